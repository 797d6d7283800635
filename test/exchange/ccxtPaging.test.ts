/**
 * The ccxt adapter against the fake Coinbase where Coinbase pages (orders, fills, accounts), answers
 * not-found with its real bodies, and charges market-buy fees inside the size. The fake pages exactly
 * like the venue (cursor + has_next, newest first, every item with its own cursor).
 */
import { describe, expect, it } from 'vitest';
import { PAGE_BOUNDS } from '../../src/exchange/ccxt/adapter.ts';
import type { FakeCoinbase, FakeOrder } from '../fakes/fakeCoinbase.ts';
import { fakeVenue } from './fakeVenue.ts';

const setup = fakeVenue('organizations/0f3c-test-org/apiKeys/9d1e-paging-key');

/** An order somebody else placed on the product (the operator, another tool), resting far below the book. */
function otherOrder(i: number, createdMs: number): FakeOrder {
  return { order_id: `other-${i}`, client_order_id: `other-client-${i}`, product_id: 'BTC-USD', side: 'BUY', order_type: 'LIMIT', base_size: 0.001, limit_price: 1000, post_only: false, status: 'OPEN', size_inclusive_of_fees: false, filled_size: 0, filled_value: 0, total_fees: 0, created_ms: createdMs };
}

const batchRequests = (fake: FakeCoinbase) => fake.countRequests('GET', '/api/v3/brokerage/orders/historical/batch');

describe('paging: orders by client order id', () => {
  it('our order behind 150 newer orders on its product then a restarted adapter finds it on the second page', async () => {
    const { ex, fake, clock, adapter } = await setup();
    const ours = await ex.createOrder({ clientOrderId: 'ours-1', symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 40_000, postOnly: false });
    for (let i = 0; i < 150; i++) fake.state.orders.push(otherOrder(i, clock.now() + 1000 + i));
    clock.advance(10_000);
    const restarted = adapter(); // no memory of the exchange id: it must search by client id
    const before = batchRequests(fake);
    expect(await restarted.fetchOrder('ours-1', 'BTC-USD')).toMatchObject({ clientOrderId: 'ours-1', exchangeOrderId: ours.exchangeOrderId, status: 'open' });
    // 151 orders newest first, 100 a page: ours is the last on page 2.
    expect(batchRequests(fake) - before).toBe(2);
    expect(restarted.takePagingBounds()).toEqual([]);
  });

  it('more newer orders than the page bound then not found and the bound is reported', async () => {
    const { fake, clock, adapter } = await setup();
    const n = PAGE_BOUNDS.orders.pages * PAGE_BOUNDS.orders.size + 50;
    for (let i = 0; i < n; i++) fake.state.orders.push(otherOrder(i, clock.now() + i));
    clock.advance(n + 1000);
    const ex = adapter();
    expect(await ex.fetchOrder('not-there', 'BTC-USD')).toBeUndefined();
    expect(ex.takePagingBounds()).toEqual([{ operation: 'fetchOrder:BTC-USD', pages: PAGE_BOUNDS.orders.pages, items: PAGE_BOUNDS.orders.pages * PAGE_BOUNDS.orders.size }]);
    expect(ex.takePagingBounds()).toEqual([]); // taken once
  });
});

describe('paging: fills and accounts', () => {
  it('300 fills in a day then every one is read (3 pages of the venue at 100, or 2 at our 250)', async () => {
    const { ex, fake, clock } = await setup();
    for (let i = 0; i < 300; i++) {
      fake.state.fills.push({ trade_id: `t-${i}`, order_id: `o-${i % 30}`, product_id: 'ETH-USD', side: 'BUY', price: 3000, size: 0.01, commission: 0.18, ts: clock.now() - 3_600_000 + i * 1000, liquidity: 'TAKER', size_in_quote: false });
    }
    const fills = await ex.fetchFills(clock.now() - 86_400_000);
    expect(fills).toHaveLength(300);
    // 300 × 0.01 ETH; oldest first.
    expect(fills.reduce((a, f) => a + f.quantity, 0)).toBeCloseTo(3, 10);
    expect(fills[0]!.ts).toBeLessThan(fills[299]!.ts);
    expect(fake.countRequests('GET', '/api/v3/brokerage/orders/historical/fills')).toBe(2);
  });

  it('300 empty wallets ahead of the funded ones (the default) then every funded wallet is read', async () => {
    const { ex, fake } = await setup({ balances: { USD: 500, BTC: 0.002 } });
    expect(await ex.fetchBalances()).toEqual([
      { asset: 'BTC', free: 0.002, total: 0.002 },
      { asset: 'USD', free: 500, total: 500 },
    ]);
    // 302 wallets at 250 a page.
    expect(fake.countRequests('GET', '/api/v3/brokerage/accounts')).toBe(2);
  });

  it('more wallets than the page bound then the bound is reported', async () => {
    const { ex } = await setup({ emptyWallets: PAGE_BOUNDS.accounts.pages * PAGE_BOUNDS.accounts.size + 1 });
    expect(await ex.fetchBalances()).toEqual([]);
    expect(ex.takePagingBounds()).toEqual([{ operation: 'fetchBalances', pages: PAGE_BOUNDS.accounts.pages, items: PAGE_BOUNDS.accounts.pages * PAGE_BOUNDS.accounts.size }]);
  });
});

describe('not-found answers and fee-inclusive market buys', () => {
  for (const body of ['captured', 'documented'] as const) {
    it(`an order id the venue no longer knows (${body} body) six times then not found each time and the breaker stays closed`, async () => {
      const { ex, fake } = await setup({ notFoundBody: body });
      for (let i = 0; i < 6; i++) {
        await ex.createOrder({ clientOrderId: `gone-${i}`, symbol: 'BTC-USD', side: 'buy', type: 'limit', quantity: 0.01, limitPrice: 40_000, postOnly: false });
      }
      fake.state.orders.splice(0); // the venue forgot them: GET /orders/historical/<id> answers not found
      for (let i = 0; i < 6; i++) expect(await ex.fetchOrder(`gone-${i}`, 'BTC-USD')).toBeUndefined();
      expect(ex.breakerState()).toBe('closed');
    });
  }

  it('market buy sized in USD then the fee comes out of the quote size and the filled size is off the grid, booked as reported', async () => {
    const { ex, fake } = await setup({ balances: { USD: 1000 } });
    const o = await ex.createOrder({ clientOrderId: 'mkt-1', symbol: 'BTC-USD', side: 'buy', type: 'market', quantity: 0.01, limitPrice: 50_010, postOnly: false });
    // ccxt sends quote_size = 0.01 × 50 010 = 500.10 USD. Fee-inclusive at 0.6 %: value = 500.10 / 1.006 =
    // 497.117296222664…, fee = 500.10 − 497.117296… = 2.982703777336…, size = 497.117296… / 50 010 = 0.00994035…
    const value = 500.1 / 1.006;
    expect(o.status).toBe('filled');
    expect(o.filledQty).toBeCloseTo(value / 50_010, 12);
    expect(o.feeUsd).toBeCloseTo(500.1 - value, 9);
    expect(o.avgFillPrice).toBeCloseTo(50_010, 6);
    expect(Math.round(o.filledQty * 1e8) / 1e8).not.toBe(o.filledQty); // off the 1e-8 base increment
    expect(fake.state.balances.get('USD')).toBeCloseTo(1000 - 500.1, 9);
  });
});
