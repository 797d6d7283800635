import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarketSnapshot, OrderOutcome, PlannedOrder } from '../../src/core/types.ts';
import type { Candle, MarketData, Product } from '../../src/exchange/types.ts';
import { createPaperExecutor, type PaperExecutorOptions } from '../../src/execution/paper.ts';
import type { Executor } from '../../src/execution/types.ts';
import { StateStore } from '../../src/state/store.ts';
import { testPolicy } from '../helpers/policy.ts';
import { Bars } from '../../src/exchange/bars.ts';

const NOW = Date.UTC(2025, 0, 6, 12, 0);
const MIN = 60_000;

// Shipped policy.yaml values, pinned here: 5 bps slippage, 60 bps taker, 40 bps maker, 300 s ttl, 10 % of volume.
const policy: PaperExecutorOptions['policy'] = testPolicy();

const product = (symbol: string, bid: number, ask: number): Product => ({
  symbol,
  base: symbol.split('-')[0]!,
  quote: 'USD',
  price: (bid + ask) / 2,
  bid,
  ask,
  volume24hUsd: 1e9,
  status: 'online',
  baseIncrement: 1e-8,
  priceIncrement: 0.01,
  minBaseQty: 1e-8,
  minNotionalUsd: 1,
});

/** A PAPER market: the book the loop would poll (set by the test before each cycle). */
class PolledMarket implements MarketData {
  readonly name = 'polled';
  books: Product[] = [];
  async listProducts(): Promise<Product[]> {
    return this.books;
  }
  async fetchCandles(): Promise<Candle[]> {
    return [];
  }
}

/** The cycle's candles: a last 15m bar of 15,000 base units, so a 1-minute poll interval is estimated at 1,000 (no cap in these tests). */
const M15: Candle = { ts: NOW - 15 * MIN, open: 100, high: 100, low: 100, close: 100, volume: 15_000 };

const snapshot = (...products: Product[]): MarketSnapshot => ({ now: NOW, products, candles: {} });
const BTC = product('BTC-USD', 99.9, 100);

const order = (o: Partial<PlannedOrder> & Pick<PlannedOrder, 'clientOrderId' | 'side' | 'quantity'>): PlannedOrder => ({
  symbol: 'BTC-USD',
  type: 'limit',
  postOnly: true,
  limitPrice: 99.98,
  notionalUsd: o.quantity * 99.98,
  intent: o.side === 'buy' ? 'entry' : 'exit',
  reason: 'test',
  tier: 'tier_1',
  ...o,
});

let root: string;
let store: StateStore;
let market: PolledMarket;
const openStore = (cash = 10_000) => {
  store = StateStore.open({ dir: join(root, 'state'), mode: 'PAPER', startingCashUsd: cash });
  return store;
};
const paper = (cash = 10_000, mode?: 'BACKTEST') => createPaperExecutor({ store: openStore(cash), policy, market, ...(mode && { mode }) });
/** One poll: the market shows `books` at `now`; what the executor settles then. */
const poll = (ex: Executor, now: number, ...books: Product[]): Promise<OrderOutcome[]> => {
  market.books = books;
  return ex.settle!({ now, products: books, candles: Object.fromEntries(books.map((b) => [b.symbol, { m15: Bars.of([M15]), h1: Bars.of([]) }])), orderId: (symbol, side) => `t-${now}-${symbol}-${side}` });
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'paper-test-'));
  market = new PolledMarket();
});
afterEach(() => {
  store?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('PAPER executor', () => {
  it('post-only buy then open, not filled on the prices it was decided on, filled at its limit when the next poll trades through it', async () => {
    const ex = paper();
    expect(ex.mode).toBe('PAPER');
    await poll(ex, NOW, BTC);
    const [placed] = await ex.execute([order({ clientOrderId: 'b1', side: 'buy', quantity: 2 })], { snapshot: snapshot(BTC), now: NOW });
    expect(placed).toMatchObject({ client_order_id: 'b1', status: 'open', success: true, order_id: 'paper_b1', price: 99.98, fee_usd: 0, reason: 'test' });
    expect(store.listFills()).toEqual([]);
    expect(ex.openOrders!()).toEqual([{ symbol: 'BTC-USD', side: 'buy', ts: NOW, clientOrderId: 'b1', status: 'open' }]);
    // Next poll: ask 99.99 is not below 99.98: nothing.
    expect(await poll(ex, NOW + MIN, product('BTC-USD', 99.95, 99.99))).toEqual([]);
    // Then ask 99.95 < 99.98: filled at the limit 99.98 (never above it), maker 40 bps.
    const [out] = await poll(ex, NOW + 2 * MIN, product('BTC-USD', 99.9, 99.95));
    // notional 2 × 99.98 = 199.96; fee 199.96 × 0.004 = 0.79984
    expect(out).toMatchObject({ client_order_id: 'b1', status: 'filled', quantity: 2, success: true });
    expect(out!.price).toBeCloseTo(99.98, 10);
    expect(out!.fee_usd).toBeCloseTo(0.79984, 10);
    expect(store.cash()).toBeCloseTo(10_000 - 199.96 - 0.79984, 9);
    const p = store.position('BTC-USD')!;
    expect(p.avgEntryPrice).toBeCloseTo(99.98, 10);
    // Exit percentages absent from the order come from policy.exits: 4 % stop, 8 % take, 48 h from the fill.
    expect(p.stopLossPrice).toBeCloseTo(95.9808, 9);
    expect(p.takeProfitPrice).toBeCloseTo(107.9784, 9);
    expect(p.maxHoldUntil).toBe(NOW + 2 * MIN + 48 * 60 * MIN);
    expect(ex.openOrders!()).toEqual([]);
  });

  it('market buy then filled at the next poll ask + 5 bps with the 60 bps taker fee', async () => {
    const ex = paper();
    await poll(ex, NOW, BTC);
    await ex.execute([order({ clientOrderId: 'm1', side: 'buy', quantity: 2, type: 'market', postOnly: false, limitPrice: undefined })], { snapshot: snapshot(BTC), now: NOW });
    // The next poll's book is 101.9 / 102: ask 102 × 1.0005 = 102.051; notional 204.102; fee × 0.006 = 1.224612
    const [out] = await poll(ex, NOW + MIN, product('BTC-USD', 101.9, 102));
    expect(out!.price).toBeCloseTo(102.051, 10);
    expect(out!.fee_usd).toBeCloseTo(1.224612, 10);
    expect(store.cash()).toBeCloseTo(10_000 - 204.102 - 1.224612, 9);
  });

  it('buy then losing market sell at the next bid − 5 bps then realized pnl, a loss counted and the after-loss cooldown', async () => {
    const ex = paper();
    await poll(ex, NOW, BTC);
    await ex.execute([order({ clientOrderId: 'b1', side: 'buy', quantity: 2, type: 'market', postOnly: false, limitPrice: undefined })], { snapshot: snapshot(BTC), now: NOW });
    await poll(ex, NOW + MIN, BTC); // bought at 100 × 1.0005 = 100.05, fee 200.1 × 0.006 = 1.2006
    await ex.execute([order({ clientOrderId: 's1', side: 'sell', quantity: 2, type: 'market', postOnly: false, limitPrice: undefined })], { snapshot: snapshot(BTC), now: NOW + MIN });
    const [out] = await poll(ex, NOW + 2 * MIN, BTC);
    // price 99.9 × 0.9995 = 99.85005; notional 199.7001; taker fee 1.1982006
    expect(out!.price).toBeCloseTo(99.85005, 10);
    expect(out!.fee_usd).toBeCloseTo(1.1982006, 10);
    // realized = (99.85005 − 100.05) × 2 − 1.1982006 − 1.2006 = −2.7987006
    expect(store.listFills().at(-1)!.realizedPnlUsd).toBeCloseTo(-2.7987006, 9);
    expect(store.consecutiveLosses()).toBe(1);
    expect(store.positions()).toEqual([]);
    expect(store.cash()).toBeCloseTo(10_000 - 2.7987006, 9);
    expect(store.view(NOW + 3 * MIN, {}).cooldowns['BTC-USD']).toEqual({ until: NOW + 2 * MIN + 240 * MIN, reason: 'after_loss' });
  });

  it('post-only buy the market never reaches then cancelled as expired after order_ttl_seconds, nothing booked', async () => {
    const ex = paper();
    await poll(ex, NOW, BTC);
    await ex.execute([order({ clientOrderId: 'b1', side: 'buy', quantity: 1 })], { snapshot: snapshot(BTC), now: NOW });
    for (let m = 1; m < 5; m++) expect(await poll(ex, NOW + m * MIN, BTC)).toEqual([]);
    const [out] = await poll(ex, NOW + 5 * MIN, BTC); // 300 s after it was placed
    expect(out).toMatchObject({ client_order_id: 'b1', status: 'cancelled', success: false, quantity: 1, error: 'expired: ttl_seconds=300, filled=0' });
    expect(store.listFills()).toEqual([]);
    expect(ex.openOrders!()).toEqual([]);
  });

  it('polls 15 minutes apart (longer than the 300 s ttl) then the order still meets the next poll: filled there, booked at that poll', async () => {
    const ex = paper();
    await poll(ex, NOW, BTC);
    await ex.execute([order({ clientOrderId: 'b1', side: 'buy', quantity: 1 })], { snapshot: snapshot(BTC), now: NOW });
    // The last 15m bar's 15,000 units over 15 minutes: 15,000 estimated, no cap for 1 unit. Ask 99.95 < 99.98: at the limit.
    const [out] = await poll(ex, NOW + 15 * MIN, product('BTC-USD', 99.9, 99.95));
    expect(out).toMatchObject({ status: 'filled', price: 99.98, quantity: 1 });
    expect(store.listFills()[0]!.ts).toBe(NOW + 15 * MIN);
  });

  it('buy that cash (net of resting buys) cannot cover then rejected insufficient_cash and nothing booked', async () => {
    const ex = paper(300);
    const outs = await ex.execute(
      [order({ clientOrderId: 'b1', side: 'buy', quantity: 2 }), order({ clientOrderId: 'b2', side: 'buy', quantity: 1 })],
      { snapshot: snapshot(BTC), now: NOW },
    );
    // b1 claims 199.96 × 1.006 = 201.15976; 300 − 201.15976 = 98.84024 < 99.98 × 1.006 = 100.57988 for b2
    expect(outs.map((o) => o.status)).toEqual(['open', 'rejected']);
    expect(outs[1]!.error).toBe('insufficient_cash: need_usd=100.58, cash_usd=98.84');
    expect(store.cash()).toBe(300);
  });

  it('product missing or with a bad price or a zero quantity then rejected with the code', async () => {
    const ex = paper();
    const outs = await ex.execute(
      [
        order({ clientOrderId: 'x1', side: 'buy', quantity: 1, symbol: 'NOPE-USD' }),
        order({ clientOrderId: 'x2', side: 'buy', quantity: 1, symbol: 'ETH-USD' }),
        order({ clientOrderId: 'x3', side: 'buy', quantity: 1, symbol: 'SOL-USD' }),
        order({ clientOrderId: 'x4', side: 'buy', quantity: 0 }),
      ],
      { snapshot: snapshot(BTC, product('ETH-USD', 101, 100), product('SOL-USD', 0, 10)), now: NOW },
    );
    expect(outs.map((o) => o.error)).toEqual([
      'product_missing: symbol=NOPE-USD',
      'bad_price: symbol=ETH-USD, bid=101, ask=100',
      'bad_price: symbol=SOL-USD, bid=0, ask=10',
      'bad_quantity: quantity=0',
    ]);
    expect(store.cash()).toBe(10_000);
  });

  it('sell of more than is held then rejected insufficient_position', async () => {
    const ex = paper();
    const [out] = await ex.execute([order({ clientOrderId: 's1', side: 'sell', quantity: 2 })], { snapshot: snapshot(BTC), now: NOW });
    expect(out!.error).toBe('insufficient_position: symbol=BTC-USD, quantity=2, held=0');
  });

  it('same client order id placed twice then the second is rejected as a duplicate and not booked again', async () => {
    const ex = paper(10_000, 'BACKTEST');
    expect(ex.mode).toBe('BACKTEST');
    const o = order({ clientOrderId: 'b1', side: 'buy', quantity: 1 });
    await ex.execute([o], { snapshot: snapshot(BTC), now: NOW });
    const [again] = await ex.execute([o], { snapshot: snapshot(BTC), now: NOW + MIN });
    expect(again!.error).toBe('duplicate_order: client_order_id=b1');
  });
});
