/**
 * The backtest's fills on tiny hand-made candle files: the replay market and the BACKTEST executor
 * exactly as the backtest runs them (one settle per cycle, orders placed after it), with every fill
 * and PnL computed by hand first. Policy (pinned): slippage 5 bps, taker 60 bps, maker 40 bps,
 * order_ttl_seconds 300, max_volume_share_pct 10, stop 4 %, target 8 %. Every file gives
 * spread_bps 0, so a marketable order pays the open × (1 ± 0.0005).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBooks } from '../../src/core/bookCheck.ts';
import type { OrderOutcome, PlannedOrder } from '../../src/core/types.ts';
import { createReplayExchange, loadReplayData } from '../../src/exchange/replay/index.ts';
import type { Candle, MarketData, Product } from '../../src/exchange/types.ts';
import { createPaperExecutor } from '../../src/execution/paper.ts';
import type { Executor } from '../../src/execution/types.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { StateStore } from '../../src/state/store.ts';
import { tempDir } from '../helpers/cli.ts';
import { testPolicy } from '../helpers/policy.ts';
import { Bars } from '../../src/exchange/bars.ts';

const T0 = Date.UTC(2025, 0, 1);
const MIN = 60_000;
const H = 60 * MIN;
const policy = testPolicy();
const HEADER = 'timestamp,open,high,low,close,volume,spread_bps';

let stores: StateStore[] = [];
afterEach(() => {
  for (const s of stores) s.close();
  stores = [];
});

/** A backtest's market and executor over `files` (name → CSV rows after the header). */
function backtest(files: Record<string, string[]>) {
  const dir = tempDir('247t-fills-');
  for (const [name, rows] of Object.entries(files)) writeFileSync(join(dir, name), `${HEADER}\n${rows.join('\n')}\n`);
  const clock = new VirtualClock(T0);
  const market = createReplayExchange({ data: loadReplayData(dir), clock });
  const store = StateStore.open({ dir: join(dir, 'state'), mode: 'BACKTEST', startingCashUsd: 10_000 });
  stores.push(store);
  const ex = createPaperExecutor({ store, policy, market, mode: 'BACKTEST' });
  /** The start of the cycle at `t`: what the bars since the previous cycle did. */
  const cycle = async (t: number): Promise<OrderOutcome[]> => {
    clock.advance(t - clock.now());
    return ex.settle!({ now: t, products: await market.listProducts(), candles: {}, orderId: (symbol, side) => `bt-${t}-${symbol}-${side}` });
  };
  const place = async (t: number, ...orders: PlannedOrder[]) => ex.execute(orders, { snapshot: { now: t, products: await market.listProducts(), candles: {} }, now: t });
  /** A position bought at 100 (no fee) before the data's first bar: stop 96, target 108. */
  const hold = (symbol = 'BTC-USD', quantity = 1) =>
    store.applyFill({ clientOrderId: `seed-${symbol}`, symbol, side: 'buy', quantity, price: 100, feeUsd: 0, ts: T0 - H, intent: 'entry', tier: 'tier_1', stopLossPct: 4, takeProfitPct: 8, maxHoldHours: 48, perSymbolCooldownMin: 0, afterLossCooldownMin: 0 });
  return { market, store, ex, cycle, place, hold };
}

const buy = (o: Partial<PlannedOrder> = {}): PlannedOrder => ({
  clientOrderId: 'b1',
  symbol: 'BTC-USD',
  side: 'buy',
  type: 'market',
  postOnly: false,
  quantity: 1,
  notionalUsd: 100,
  intent: 'entry',
  reason: 'breakout',
  tier: 'tier_1',
  ...o,
});

const at = (h: number, m = 0) => new Date(T0 + h * H + m * MIN).toISOString();

describe('backtest fills on hand-made candles', () => {
  it('gap after the signal then the buy fills at the next bar open, not at the close it was decided on', async () => {
    const b = backtest({ 'BTC-USD.csv': [`${at(0)},100,101,99,100,1000,0`, `${at(1)},104.5,105,104,104.8,1000,0`] });
    expect(await b.cycle(T0 + H)).toEqual([]); // the cycle at 01:00 sees the 00:00 bar close at 100 and buys
    const [placed] = await b.place(T0 + H, buy());
    expect(placed!.status).toBe('open');
    const [out] = await b.cycle(T0 + 2 * H);
    // next open 104.5 × 1.0005 = 104.55225 (not 100 × 1.0005 = 100.05); fee 104.55225 × 0.006 = 0.6273135
    expect(out).toMatchObject({ status: 'filled', quantity: 1, reason: 'breakout' });
    expect(out!.price).toBeCloseTo(104.55225, 9);
    expect(out!.fee_usd).toBeCloseTo(0.6273135, 9);
    expect(b.store.cash()).toBeCloseTo(10_000 - 104.55225 - 0.6273135, 9);
    // Marked at the 104.8 close, the trade is down 104.8 − 104.55225 − 0.6273135 = −0.3795635, not up ~4.1.
    const fill = b.store.listFills()[0]!;
    expect(fill.ts).toBe(T0 + H);
    expect(104.8 - fill.price - fill.feeUsd).toBeCloseTo(-0.3795635, 9);
  });

  it('wick through the stop that closes back above then sold at the stop', async () => {
    const b = backtest({ 'BTC-USD.csv': [`${at(0)},100,100.5,99.5,100,1000,0`, `${at(1)},99,100,91,99.5,1000,0`] });
    b.hold();
    await b.cycle(T0 + H);
    const [out] = await b.cycle(T0 + 2 * H);
    // stop 96 × 0.9995 = 95.952; fee 95.952 × 0.006 = 0.575712; realized (95.952 − 100) − 0.575712 = −4.623712
    expect(out).toMatchObject({ status: 'filled', side: 'sell', intent: 'exit', reason: 'stop_loss', quantity: 1 });
    expect(out!.price).toBeCloseTo(95.952, 9);
    expect(out!.fee_usd).toBeCloseTo(0.575712, 9);
    expect(b.store.listFills().at(-1)!.realizedPnlUsd).toBeCloseTo(-4.623712, 9);
    expect(b.store.positions()).toEqual([]);
  });

  it('bar that opens below the stop then sold at the open', async () => {
    const b = backtest({ 'BTC-USD.csv': [`${at(0)},100,100.5,99.5,100,1000,0`, `${at(1)},90,92,89,91,1000,0`] });
    b.hold();
    await b.cycle(T0 + H);
    const [out] = await b.cycle(T0 + 2 * H);
    // open 90 × 0.9995 = 89.955; fee 0.53973; realized −10.045 − 0.53973 = −10.58473
    expect(out!.price).toBeCloseTo(89.955, 9);
    expect(b.store.listFills().at(-1)!.realizedPnlUsd).toBeCloseTo(-10.58473, 9);
  });

  it('wick through the target then sold at the target, maker fee', async () => {
    const b = backtest({ 'BTC-USD.csv': [`${at(0)},100,100.5,99.5,100,1000,0`, `${at(1)},101,109,100.5,101,1000,0`] });
    b.hold();
    await b.cycle(T0 + H);
    const [out] = await b.cycle(T0 + 2 * H);
    // target 108 (a resting sell limit: at the limit, no slippage); fee 108 × 0.004 = 0.432; realized 8 − 0.432 = 7.568
    expect(out).toMatchObject({ status: 'filled', reason: 'take_profit' });
    expect(out!.price).toBe(108);
    expect(out!.fee_usd).toBeCloseTo(0.432, 9);
    expect(b.store.listFills().at(-1)!.realizedPnlUsd).toBeCloseTo(7.568, 9);
  });

  it('target on 20 units through two 1-minute bars of 100 units then 10 a bar (10 %), one order, one outcome, fills <id> and <id>#2', async () => {
    const b = backtest({ 'BTC-USD.csv': [`${at(0)},100,100.5,99.5,100,1000,0`, `${at(0, 1)},100,109,99.5,101,100,0`, `${at(0, 2)},101,110,100,101,100,0`] });
    b.hold('BTC-USD', 20);
    await b.cycle(T0 + MIN);
    const outs = await b.cycle(T0 + 3 * MIN);
    // 10 at 108 in each bar; fees 10 × 108 × 0.004 = 4.32 each; realized 20 × 8 − 8.64 = 151.36
    expect(outs).toHaveLength(1);
    expect(outs[0]).toMatchObject({ status: 'filled', reason: 'take_profit', quantity: 20, price: 108 });
    expect(outs[0]!.fee_usd).toBeCloseTo(8.64, 9);
    const id = `bt-${T0 + 3 * MIN}-BTC-USD-sell`;
    expect(b.store.listFills().slice(1).map((f) => [f.clientOrderId, f.quantity, f.price])).toEqual([[id, 10, 108], [`${id}#2`, 10, 108]]);
    const realized = b.store.listFills().reduce((s, f) => s + (f.realizedPnlUsd ?? 0), 0);
    expect(realized).toBeCloseTo(151.36, 9);
    expect(b.store.positions()).toEqual([]);
  });

  it('bar touching both stop and target then the stop (pessimistic)', async () => {
    const b = backtest({ 'BTC-USD.csv': [`${at(0)},100,100.5,99.5,100,1000,0`, `${at(1)},100,110,95,100,1000,0`] });
    b.hold();
    await b.cycle(T0 + H);
    const [out] = await b.cycle(T0 + 2 * H);
    // as the wick case: 95.952, realized −4.623712
    expect(out).toMatchObject({ reason: 'stop_loss' });
    expect(out!.price).toBeCloseTo(95.952, 9);
    expect(b.store.listFills().at(-1)!.realizedPnlUsd).toBeCloseTo(-4.623712, 9);
  });

  it('post-only buy the market never reaches then expired unfilled; one it reaches then filled at its limit', async () => {
    const postOnly = buy({ type: 'limit', postOnly: true, limitPrice: 99.5, notionalUsd: 99.5 });
    const never = backtest({ 'BTC-USD.csv': [`${at(0)},100,100.5,99.5,100,1000,0`, `${at(1)},100,100.5,99.6,100.2,1000,0`] });
    await never.cycle(T0 + H);
    await never.place(T0 + H, postOnly);
    const [expired] = await never.cycle(T0 + 2 * H);
    // low 99.6 never below 99.5; 300 s after 01:00 it is cancelled
    expect(expired).toMatchObject({ status: 'cancelled', success: false, quantity: 1, error: 'expired: ttl_seconds=300, filled=0' });
    expect(never.store.listFills()).toEqual([]);

    const reached = backtest({ 'BTC-USD.csv': [`${at(0)},100,100.5,99.5,100,1000,0`, `${at(1)},100,100.5,99.4,99.8,1000,0`] });
    await reached.cycle(T0 + H);
    await reached.place(T0 + H, postOnly);
    const [filled] = await reached.cycle(T0 + 2 * H);
    // low 99.4 < 99.5: at the limit 99.5 (never above it), maker fee 99.5 × 0.004 = 0.398
    expect(filled).toMatchObject({ status: 'filled', price: 99.5 });
    expect(filled!.fee_usd).toBeCloseTo(0.398, 9);
    expect(reached.store.cash()).toBeCloseTo(10_000 - 99.5 - 0.398, 9);
  });

  it('order of 5× the bar volume then at most 10 % of each bar fills and the rest expires', async () => {
    const rows = Array.from({ length: 10 }, (_, m) => `${at(0, m)},${100 + Math.max(0, m - 5)},${105},${99},${100},10,0`);
    const b = backtest({ 'BTC-USD.csv': rows });
    await b.cycle(T0 + 5 * MIN);
    await b.place(T0 + 5 * MIN, buy({ quantity: 50, notionalUsd: 5000 }));
    const outs = await b.cycle(T0 + 10 * MIN);
    // Bars 00:05..00:09 open at 100, 101, 102, 103, 104, 10 units each: 1 unit a bar (10 %).
    // Σ price = 510 × 1.0005 = 510.255; fees 510.255 × 0.006 = 3.06153; the other 45 expire at 00:10.
    expect(outs.map((o) => [o.status, o.quantity])).toEqual([['partially_filled', 5], ['cancelled', 45]]);
    expect(outs[0]!.size_usd).toBeCloseTo(510.255, 9);
    expect(outs[0]!.price).toBeCloseTo(102.051, 9);
    expect(outs[0]!.fee_usd).toBeCloseTo(3.06153, 9);
    expect(outs[1]!.error).toBe('expired: ttl_seconds=300, filled=5');
    const fills = b.store.listFills();
    expect(fills.map((f) => [f.clientOrderId, f.quantity])).toEqual([['b1', 1], ['b1#2', 1], ['b1#3', 1], ['b1#4', 1], ['b1#5', 1]]);
    expect(b.store.position('BTC-USD')!.quantity).toBe(5);
    expect(b.store.cash()).toBeCloseTo(10_000 - 510.255 - 3.06153, 9);
  });

  it('eight positions stopped in one bar then all eight sold in that bar, whatever max_orders_per_minute', async () => {
    const symbols = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
    const files = Object.fromEntries(symbols.map((s) => [`${s}-USD.csv`, [`${at(0)},100,100.5,99.5,100,1000,0`, `${at(1)},99,99,90,93,1000,0`]]));
    const b = backtest(files);
    for (const s of symbols) b.hold(`${s}-USD`);
    await b.cycle(T0 + H);
    const outs = await b.cycle(T0 + 2 * H);
    // Each: stop 96 × 0.9995 = 95.952, realized −4.623712; eight of them −36.989696.
    expect(outs.map((o) => [o.symbol, o.status, o.reason])).toEqual(symbols.map((s) => [`${s}-USD`, 'filled', 'stop_loss']));
    expect(b.store.positions()).toEqual([]);
    const realized = b.store.listFills().reduce((s, f) => s + (f.realizedPnlUsd ?? 0), 0);
    expect(realized).toBeCloseTo(-36.989696, 9);
  });

  it('25 % fall inside one 5-minute bar then the stop sells in that bar at the stop, and the book after it is a price, not a mismatch', async () => {
    const flat = (h: number, m: number) => `${at(h, m)},100,100.5,99.5,100,1000,0`;
    const b = backtest({ 'BTC-USD.csv': [flat(-1, 45), flat(-1, 50), flat(-1, 55), flat(0, 0), `${at(0, 5)},100,100,74,75,1000,0`] });
    b.hold('BTC-USD', 2);
    await b.cycle(T0 + 5 * MIN);
    const [out] = await b.cycle(T0 + 10 * MIN);
    // opened at 100 above the 96 stop, so the stop fills at 96 × 0.9995 = 95.952 for both units: 191.904;
    // fee 191.904 × 0.006 = 1.151424; realized (95.952 − 100) × 2 − 1.151424 = −9.247424
    expect(out).toMatchObject({ reason: 'stop_loss', status: 'filled', quantity: 2 });
    expect(out!.price).toBeCloseTo(95.952, 9);
    expect(b.store.listFills().at(-1)!.realizedPnlUsd).toBeCloseTo(-9.247424, 9);
    // The loop's book check at 00:10: the 15m and 1h bars closed at 00:00 at 100, the 5-minute bar at 00:10 at 75, the book ~75.
    const products = await b.market.listProducts();
    const last = (await b.market.fetchBarsBetween!('BTC-USD', T0 - 5 * MIN, T0 + 10 * MIN)).at(-1)!;
    const m15 = await b.market.fetchCandles('BTC-USD', '15m', 96);
    const h1 = await b.market.fetchCandles('BTC-USD', '1h', 168);
    expect([m15.at(-1)!.close, h1.at(-1)!.close, last.close]).toEqual([100, 100, 75]);
    const candles = { 'BTC-USD': { m15: Bars.of(m15), h1: Bars.of(h1), last } };
    expect(checkBooks({ products, candles, maxDisagreementPct: 20 }).rejected).toEqual([]);
    expect(products[0]!.bid).toBe(75); // spread_bps 0: bid at the close, ask one tick above: positions are marked at 75
  });
});

/**
 * PAPER and a backtest on the same price path: flat 1-minute bars at 100, 99.7, 99.4, 100.6 with a
 * 10 bps spread, and for PAPER a book polled each minute showing the same prices (bid/ask 0.05 %
 * either side) and 15m bars whose volume gives the same 1,000 units a minute.
 */
describe('one fill model for PAPER and backtests', () => {
  const PATH = [100, 100, 99.7, 99.4, 100.6, 100.6];
  class PolledMarket implements MarketData {
    readonly name = 'polled';
    book: Product[] = [];
    async listProducts(): Promise<Product[]> {
      return this.book;
    }
    async fetchCandles(): Promise<Candle[]> {
      return [];
    }
  }
  /** The cycle's last 15m bar: 15,000 units, 1,000 a minute, as the backtest's bars. */
  const candles = { 'BTC-USD': { m15: Bars.of([{ ts: T0, open: 100, high: 100, low: 100, close: 100, volume: 15_000 }]), h1: Bars.of([]) } };
  const bookAt = (p: number): Product => ({
    symbol: 'BTC-USD', base: 'BTC', quote: 'USD', price: p, bid: p * 0.9995, ask: p * 1.0005, volume24hUsd: 1e9, status: 'online',
    baseIncrement: 1e-8, priceIncrement: 0.0001, minBaseQty: 1e-8, minNotionalUsd: 1,
  });
  const orders = [
    buy({ clientOrderId: 'm1', quantity: 2, notionalUsd: 200 }),
    buy({ clientOrderId: 'p1', type: 'limit', postOnly: true, limitPrice: 99.5, notionalUsd: 99.5 }),
  ];

  it('same orders on the same prices then the same fills', async () => {
    // Backtest: orders placed at 00:01 see the bars opening 00:01.. (100, 99.7, 99.4, 100.6).
    const b = backtest({ 'BTC-USD.csv': PATH.map((p, m) => `${at(0, m)},${p},${p},${p},${p},1000,10`) });
    await b.cycle(T0 + MIN);
    await b.place(T0 + MIN, ...orders);
    for (let m = 2; m <= 5; m++) await b.cycle(T0 + m * MIN);

    // PAPER: the book at the poll after each decision shows what the bar opening then opened at.
    const market = new PolledMarket();
    const dir = tempDir('247t-paper-');
    const store = StateStore.open({ dir, mode: 'PAPER', startingCashUsd: 10_000 });
    stores.push(store);
    const paper = createPaperExecutor({ store, policy, market });
    const poll = (m: number) => {
      market.book = [bookAt(PATH[m - 1]!)];
      return paper.settle!({ now: T0 + m * MIN, products: market.book, candles, orderId: (symbol, side) => `bt-${m}-${symbol}-${side}` });
    };
    await poll(1);
    await paper.execute(orders, { snapshot: { now: T0 + MIN, products: market.book, candles: {} }, now: T0 + MIN });
    for (let m = 2; m <= 5; m++) await poll(m);

    const fills = (s: StateStore) => s.listFills().map((f) => ({ id: f.clientOrderId, qty: f.quantity, price: Number(f.price.toFixed(9)), fee: Number(f.feeUsd.toFixed(9)) }));
    // m1: 2 × 100 × 1.0005 × 1.0005 = 2 × 100.10002500 (half of 10 bps spread, then 5 bps slippage); fee 200.20005 × 0.006 = 1.2012003
    // p1: the bar opening 00:03 at 99.4 (PAPER: ask 99.4497 < 99.5) trades through 99.5: at 99.5, fee 0.398
    expect(fills(b.store)).toEqual([
      { id: 'm1', qty: 2, price: 100.100025, fee: 1.2012003 },
      { id: 'p1', qty: 1, price: 99.5, fee: 0.398 },
    ]);
    expect(fills(store)).toEqual(fills(b.store));
  });
});
