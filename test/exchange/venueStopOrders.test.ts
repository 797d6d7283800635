/**
 * Stop-limit orders through the ccxt adapter against the fake Coinbase: ccxt builds Coinbase's
 * stop_limit_stop_limit_gtc from stopPrice (with STOP_DIRECTION_STOP_DOWN for a protective sell), the
 * venue holds the coins, lists the stop among open orders (paged, newest first), triggers it when its
 * last price reaches the stop, fills it at its limit once the bid is there, and cancels it through
 * batch_cancel. The fake's book: BTC-USD at 50,000, bid 49,990, ask 50,010; the account holds 0.5 BTC.
 */
import { describe, expect, it } from 'vitest';
import { ExchangeError } from '../../src/exchange/ccxt/exchangeError.ts';
import type { FakeCoinbase, FakeOrder } from '../fakes/fakeCoinbase.ts';
import { fakeVenue } from './fakeVenue.ts';

const setupVenue = fakeVenue('organizations/0f3c-test-org/apiKeys/7a2b-stop-key');
const setup = () => setupVenue({ balances: { USD: 10_000, BTC: 0.5 }, emptyWallets: 0 });

const STOP = { clientOrderId: 'trader-1-7-BTC-USD-sell-STOPSTOPSTOP', symbol: 'BTC-USD', side: 'sell' as const, type: 'limit' as const, quantity: 0.1, limitPrice: 48_510, stopPrice: 49_000, postOnly: false };

describe('stop-limit orders on the fake Coinbase through the adapter', () => {
  it('a stop-limit sell then the venue books stop_limit_stop_limit_gtc STOP_DOWN, holds its coins and lists it open', async () => {
    const { fake, ex } = await setup();
    const info = await ex.createOrder(STOP);
    expect(info).toMatchObject({ clientOrderId: STOP.clientOrderId, status: 'open', quantity: 0.1, filledQty: 0 });
    expect(info.triggered).toBeUndefined();
    expect(fake.ordersByClientId(STOP.clientOrderId)).toEqual([expect.objectContaining({ order_type: 'STOP_LIMIT', side: 'SELL', base_size: 0.1, limit_price: 48_510, stop_price: 49_000, stop_direction: 'STOP_DIRECTION_STOP_DOWN', status: 'OPEN' })]);
    // The coins are on hold: available 0.4, total still 0.5; the held 0.1 cannot be sold a second time.
    expect((await ex.fetchBalances()).find((b) => b.asset === 'BTC')).toEqual({ asset: 'BTC', free: 0.4, total: 0.5 });
    await expect(ex.createOrder({ ...STOP, clientOrderId: 'second-sell', stopPrice: undefined, quantity: 0.45, limitPrice: 49_990 })).rejects.toMatchObject({ kind: 'insufficient_funds' });
    expect((await ex.fetchOpenOrders()).map((o) => o.clientOrderId)).toEqual([STOP.clientOrderId]);
  });

  it('a stop behind 150 newer open orders then it is still found by its client order id (the listing pages)', async () => {
    const { clock, fake, ex, adapter } = await setup();
    await ex.createOrder(STOP);
    for (let i = 0; i < 150; i++) fake.state.orders.push(otherOrder(i, clock.now() + 1 + i));
    // A fresh adapter (a restarted daemon) knows no exchange ids: it pages the product's orders, newest first.
    const before = fake.countRequests('GET', '/api/v3/brokerage/orders/historical/batch');
    expect(await adapter().fetchOrder(STOP.clientOrderId, 'BTC-USD')).toMatchObject({ status: 'open', quantity: 0.1 });
    expect(fake.countRequests('GET', '/api/v3/brokerage/orders/historical/batch') - before).toBe(2);
  });

  it('the last price reaches the stop then it triggers; the bid below its limit then it rests unfilled; the bid back at the limit then it fills there', async () => {
    const { fake, ex } = await setup();
    await ex.createOrder(STOP);
    fake.setBook('BTC-USD', { bid: 48_000, ask: 48_020, price: 48_010 }); // gapped through stop and limit
    expect(await ex.fetchOrder(STOP.clientOrderId, 'BTC-USD')).toMatchObject({ status: 'open', filledQty: 0, triggered: true });
    fake.setBook('BTC-USD', { bid: 48_600, ask: 48_620, price: 48_610 });
    expect(await ex.fetchOrder(STOP.clientOrderId, 'BTC-USD')).toMatchObject({ status: 'filled', filledQty: 0.1, avgFillPrice: 48_510 });
    // 0.1 × 48,510 = 4,851 USD in, less the 0.4 % maker fee (19.404): 10,000 + 4,831.596.
    expect(fake.state.balances.get('USD')).toBeCloseTo(14_831.596, 6);
    expect(fake.state.balances.get('BTC')).toBeCloseTo(0.4, 12);
  });

  it('a stop whose price is at or above the last trade then the venue refuses it (the captured preview failure)', async () => {
    const { ex } = await setup();
    const e = await ex.createOrder({ ...STOP, stopPrice: 50_000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ExchangeError);
    expect(e).toMatchObject({ kind: 'invalid_order', message: expect.stringContaining('PREVIEW_STOP_PRICE_ABOVE_LAST_TRADE_PRICE') });
  });

  it('a resting stop cancelled then batch_cancel takes it, it reads cancelled and the hold is released', async () => {
    const { fake, ex } = await setup();
    await ex.createOrder(STOP);
    expect(await ex.cancelOrder(STOP.clientOrderId, 'BTC-USD')).toMatchObject({ status: 'cancelled', filledQty: 0 });
    expect(fake.countRequests('POST', '/api/v3/brokerage/orders/batch_cancel')).toBe(1);
    expect((await ex.fetchBalances()).find((b) => b.asset === 'BTC')).toEqual({ asset: 'BTC', free: 0.5, total: 0.5 });
  });
});

/** An order somebody else placed on the product, resting far below the book. */
function otherOrder(i: number, createdMs: number): FakeOrder {
  return { order_id: `other-${i}`, client_order_id: `other-client-${i}`, product_id: 'BTC-USD', side: 'BUY', order_type: 'LIMIT', base_size: 0.001, limit_price: 1000, post_only: false, status: 'OPEN', size_inclusive_of_fees: false, filled_size: 0, filled_value: 0, total_fees: 0, created_ms: createdMs };
}
