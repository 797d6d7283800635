/**
 * Venue-held stops in LIVE (policy execution.venue_stop_loss, on in the shipped policy) against the fake
 * Coinbase, in process on one virtual clock (pinned start, LIVE_T0). The test policy (liveTestConfig):
 * exits.stop_loss_pct 0.4, take_profit_pct 0.4; execution.order_type limit (at the ask: fills at once);
 * venue_stop_limit_offset_pct 1 (the shipped value).
 *
 * Hand computation for BTC-USD (the fake's book: price 50,000, spread 20, tick 0.01, increment 1e-8):
 * the first cycle's BTC entry (sized by the test policy: 0.0039992 BTC, $200 at the ask) fills at the
 * ask, 50,010. Its stop is 50,010 × (1 − 0.004) = 49,809.96 (on the tick), its limit 49,809.96 × 0.99
 * = 49,311.8604, floored to the tick: 49,311.86. The stop sells the whole filled 0.0039992 BTC.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { StateStore } from '../../src/state/store.ts';
import type { FakeCoinbase, FakeOrder } from '../fakes/fakeCoinbase.ts';
import { tempDir } from '../helpers/cli.ts';
import { CREDENTIALS_ENV, auditRecords, runLiveLoop, type LiveRun } from './helpers.ts';

const INTERVAL_S = 900;
const BTC = { entry: 50_010, quantity: 0.0039992, stop: 49_809.96, limit: 49_311.86 };

const runs: LiveRun[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) {
    await r.ex.close();
    await r.fake.close();
  }
});

async function live(o: Omit<Parameters<typeof runLiveLoop>[0], 'root' | 'balances' | 'intervalS'> & { balances?: Record<string, number> }): Promise<LiveRun> {
  const run = await runLiveLoop({ root: tempDir('247t-live-stops-'), balances: { USD: 10_000 }, intervalS: INTERVAL_S, ...o });
  runs.push(run);
  return run;
}

const stopsOn = (fake: FakeCoinbase, product: string): FakeOrder[] => fake.state.orders.filter((o) => o.order_type === 'STOP_LIMIT' && o.product_id === product);
const seqOf = (records: Record<string, unknown>[], match: (r: Record<string, unknown>) => boolean): number => Number(records.find(match)?.seq ?? NaN);

/** Moves a product's book so its last price is `price` (spread kept); the fake triggers and fills stops it crosses. */
function moveTo(fake: FakeCoinbase, product: string, price: number): void {
  const p = fake.state.products.get(product)!;
  const half = (p.ask - p.bid) / 2;
  fake.setBook(product, { bid: price - half, ask: price + half, price });
}

/** The fills booked for one client order id (later increments are `<id>#2`, …). */
function bookedFor(dataDir: string, id: string): { quantity: number; price: number }[] {
  const store = StateStore.open({ dir: dataDir, mode: 'LIVE', startingCashUsd: 0 });
  try {
    return store
      .listFills()
      .filter((f) => f.clientOrderId === id || f.clientOrderId.startsWith(`${id}#`))
      .map((f) => ({ quantity: f.quantity, price: f.price }));
  } finally {
    store.close();
  }
}

/** Starts the daemon again on the run's directories and venue, then stops it (SIGTERM): a start and a shutdown, no cycle. */
async function restart(run: LiveRun): Promise<void> {
  const loop = new TradingLoop({ configDir: run.configDir, mode: 'LIVE', logDir: run.logDir, dataDir: run.dataDir, clock: run.clock, logger: silentLogger(), market: run.ex, env: { ...CREDENTIALS_ENV }, intervalSeconds: INTERVAL_S });
  await loop.start();
  await loop.stop('signal SIGTERM');
}

function positionOf(dataDir: string, symbol: string): number {
  const store = StateStore.open({ dir: dataDir, mode: 'LIVE', startingCashUsd: 0 });
  try {
    return store.position(symbol)?.quantity ?? 0;
  } finally {
    store.close();
  }
}

describe('LIVE venue-held stops', () => {
  it('an entry fills then a stop-limit sell of the filled quantity rests on the venue at the position stop, its order_intent written before the request', async () => {
    const intentBeforeRequest: boolean[] = [];
    let logDir = '';
    const run = await live({
      cycles: 1,
      fake: { onOrderBooked: (o) => void (o.order_type === 'STOP_LIMIT' && intentBeforeRequest.push(auditRecords(logDir).some((r) => r.event === 'order_intent' && r.client_order_id === o.client_order_id))) },
      beforeCycle: (_k, r) => void (logDir = r.logDir),
    });
    const buys = run.fake.state.orders.filter((o) => o.side === 'BUY' && o.status === 'FILLED');
    expect(buys.length).toBeGreaterThan(0);
    const btcBuy = buys.find((o) => o.product_id === 'BTC-USD')!;
    expect(btcBuy).toMatchObject({ filled_size: BTC.quantity, limit_price: BTC.entry });
    const [stop, ...more] = stopsOn(run.fake, 'BTC-USD');
    expect(more).toEqual([]);
    expect(stop).toMatchObject({ side: 'SELL', status: 'OPEN', base_size: BTC.quantity, stop_price: BTC.stop, limit_price: BTC.limit, stop_direction: 'STOP_DIRECTION_STOP_DOWN', triggered: false });
    // Every filled entry got exactly one stop for its filled size; the venue found each stop's intent already in the audit log.
    for (const b of buys) expect(stopsOn(run.fake, b.product_id).map((s) => s.base_size)).toEqual([b.filled_size]);
    expect(intentBeforeRequest).toEqual(buys.map(() => true));

    const records = auditRecords(run.logDir);
    const id = stop!.client_order_id;
    expect(id).toMatch(/^trader-1-1-BTC-USD-sell-[0-9A-Z]{12}$/); // the usual id: instance, cycle, symbol, side, nonce
    expect(records.find((r) => r.event === 'order_intent' && r.client_order_id === id)).toMatchObject({ intent: 'venue_stop', type: 'stop_limit', side: 'sell', quantity: BTC.quantity, price: BTC.limit, stop_price: BTC.stop, reason: 'venue_stop_loss' });
    const intent = seqOf(records, (r) => r.event === 'order_intent' && r.client_order_id === id);
    const outcome = seqOf(records, (r) => r.event === 'order_outcome' && r.client_order_id === id && r.status === 'open');
    const placed = seqOf(records, (r) => r.event === 'venue_stop' && r.action === 'placed' && r.client_order_id === id);
    expect(intent).toBeLessThan(outcome);
    expect(outcome).toBeLessThan(placed);
    // The venue holds the stop's coins; SIGTERM leaves the stops in place (they protect the position while the daemon is down).
    expect(records.find((r) => r.event === 'shutdown')).toMatchObject({ open_orders_cancelled: [], venue_stops_kept: expect.arrayContaining([id]) });
  });

  it('the price falls through the stop between cycles then the venue fills it at its limit; the daemon books that fill and sends no exit of its own', async () => {
    const run = await live({ cycles: 2, beforeCycle: (k, r) => void (k === 1 && moveTo(r.fake, 'BTC-USD', BTC.stop - 10)) });
    const [stop] = stopsOn(run.fake, 'BTC-USD');
    // Triggered at 49,799.96 (≤ 49,809.96), the bid 49,789.96 is above the limit: filled at the limit, 49,311.86.
    expect(stop).toMatchObject({ status: 'FILLED', triggered: true, filled_size: BTC.quantity });
    expect(stop!.filled_value / stop!.filled_size).toBeCloseTo(BTC.limit, 8);
    expect(bookedFor(run.dataDir, stop!.client_order_id)).toEqual([{ quantity: BTC.quantity, price: BTC.limit }]);
    // The daemon sent no sell of its own for BTC (the cycle may buy BTC again at the lower price: that entry gets its own stop).
    expect(run.fake.state.orders.filter((o) => o.product_id === 'BTC-USD' && o.side === 'SELL' && o.order_type !== 'STOP_LIMIT')).toEqual([]);
    expect(run.cycles[1]!.orders.filter((o) => o.symbol === 'BTC-USD' && o.side === 'sell')).toEqual([]);
    expect(auditRecords(run.logDir).find((r) => r.event === 'venue_stop' && r.action === 'filled')).toMatchObject({ client_order_id: stop!.client_order_id, filled_qty: BTC.quantity, avg_fill_price: BTC.limit, position_after: 0 });
  });

  it('the daemon exits a position itself (take profit) then it cancels the stop first, recorded, and only then sends the exit', async () => {
    // 50,010 × 1.004 = 50,210.04: a bid of 50,400 takes the profit.
    const run = await live({ cycles: 2, beforeCycle: (k, r) => void (k === 1 && moveTo(r.fake, 'BTC-USD', 50_410)) });
    const [stop] = stopsOn(run.fake, 'BTC-USD');
    expect(stop).toMatchObject({ status: 'CANCELLED', filled_size: 0 });
    const exit = run.fake.state.orders.find((o) => o.product_id === 'BTC-USD' && o.side === 'SELL' && o.order_type === 'LIMIT')!;
    expect(exit).toMatchObject({ status: 'FILLED', filled_size: BTC.quantity });
    expect(positionOf(run.dataDir, 'BTC-USD')).toBe(0);
    const records = auditRecords(run.logDir);
    const cancelled = seqOf(records, (r) => r.event === 'venue_stop' && r.action === 'cancelled' && r.client_order_id === stop!.client_order_id && r.reason === 'exit' && r.exit_client_order_id === exit.client_order_id);
    const exitIntent = seqOf(records, (r) => r.event === 'order_intent' && r.client_order_id === exit.client_order_id);
    expect(cancelled).toBeLessThan(exitIntent);
    // The venue got the cancel before the exit: the stop's hold on the coins was gone when the exit arrived.
    expect(run.cycles[1]!.orders.find((o) => o.client_order_id === exit.client_order_id)).toMatchObject({ intent: 'exit', status: 'filled', reason: 'take_profit' });
  });

  it('the cancel before an exit finds the stop already filled then that fill is booked and no exit is sent', async () => {
    let armed = false;
    let fake: FakeCoinbase | undefined;
    const run = await live({
      cycles: 2,
      // Cycle 2: the stops were checked and the tickers read; the price falls through the stop before the
      // best bid/ask is read, so the cycle plans a stop-loss exit while the venue has already sold.
      fake: {
        onAnswered: (method, path) => {
          if (armed && method === 'GET' && path === '/api/v3/brokerage/market/products') {
            armed = false;
            moveTo(fake!, 'BTC-USD', BTC.stop - 10);
          }
        },
      },
      beforeCycle: (k, r) => {
        fake = r.fake;
        armed = k === 1;
      },
    });
    const [stop] = stopsOn(run.fake, 'BTC-USD');
    expect(stop).toMatchObject({ status: 'FILLED', filled_size: BTC.quantity });
    const exit = run.cycles[1]!.orders.find((o) => o.symbol === 'BTC-USD' && o.intent === 'exit');
    expect(exit).toMatchObject({ status: 'rejected', reason: 'stop_loss', error: 'venue_stop_filled: symbol=BTC-USD' });
    expect(run.fake.state.orders.filter((o) => o.product_id === 'BTC-USD' && o.side === 'SELL').map((o) => o.order_type)).toEqual(['STOP_LIMIT']);
    expect(bookedFor(run.dataDir, stop!.client_order_id)).toEqual([{ quantity: BTC.quantity, price: BTC.limit }]);
    expect(auditRecords(run.logDir).find((r) => r.event === 'venue_stop' && r.action === 'filled')).toMatchObject({ client_order_id: stop!.client_order_id, reason: 'exit', exit_client_order_id: exit!.client_order_id, position_after: 0 });
  });

  it('the price gaps through the stop and its limit then the stop triggers unfilled (recorded), and the daemon own stop cancels it and sells at the bid', async () => {
    // Last 49,000: at or below the stop (49,809.96), so it triggers; the bid, 48,990, is below its limit (49,311.86): no fill.
    const run = await live({ cycles: 2, beforeCycle: (k, r) => void (k === 1 && moveTo(r.fake, 'BTC-USD', 49_000)) });
    const [stop] = stopsOn(run.fake, 'BTC-USD');
    expect(stop).toMatchObject({ triggered: true, status: 'CANCELLED', filled_size: 0 });
    const exit = run.fake.state.orders.find((o) => o.product_id === 'BTC-USD' && o.side === 'SELL' && o.order_type === 'LIMIT')!;
    expect(exit).toMatchObject({ status: 'FILLED', filled_size: BTC.quantity, limit_price: 48_990 });
    expect(positionOf(run.dataDir, 'BTC-USD')).toBe(0);
    const records = auditRecords(run.logDir);
    const triggered = seqOf(records, (r) => r.event === 'venue_stop' && r.action === 'triggered' && r.client_order_id === stop!.client_order_id);
    const cancelled = seqOf(records, (r) => r.event === 'venue_stop' && r.action === 'cancelled' && r.client_order_id === stop!.client_order_id && r.reason === 'exit');
    const exitIntent = seqOf(records, (r) => r.event === 'order_intent' && r.client_order_id === exit.client_order_id);
    expect(triggered).toBeLessThan(cancelled);
    expect(cancelled).toBeLessThan(exitIntent);
    expect(run.cycles[1]!.orders.find((o) => o.client_order_id === exit.client_order_id)).toMatchObject({ reason: 'stop_loss', status: 'filled' });
  });

  it('a stop fills while the daemon is stopped then the next start books it before reconciling, and starts clean', async () => {
    const run = await live({ cycles: 1 });
    moveTo(run.fake, 'BTC-USD', BTC.stop - 10); // the daemon is down
    const [stop] = stopsOn(run.fake, 'BTC-USD');
    expect(stop).toMatchObject({ status: 'FILLED' });
    await restart(run);
    const records = auditRecords(run.logDir);
    const secondStart = seqOf(records.slice().reverse(), (r) => r.event === 'startup');
    const filled = seqOf(records, (r) => r.event === 'venue_stop' && r.action === 'filled' && r.client_order_id === stop!.client_order_id);
    const reconcile = records.filter((r) => r.event === 'reconcile' && r.trigger === 'startup').at(-1)!;
    expect(filled).toBeGreaterThan(secondStart);
    expect(filled).toBeLessThan(Number(reconcile.seq));
    expect(reconcile).toMatchObject({ outcome: 'ok', differences: [] });
    expect((reconcile.positions as Record<string, number>)['BTC-USD']).toBeUndefined();
    expect(bookedFor(run.dataDir, stop!.client_order_id)).toEqual([{ quantity: BTC.quantity, price: BTC.limit }]);
  });

  it('a stop triggers unfilled while the daemon is stopped then the next start records it once, and a start after that not again', async () => {
    const run = await live({ cycles: 1 });
    // Last 49,000: through the stop (49,809.96); the bid, 48,990, is below its limit (49,311.86): it rests unfilled.
    moveTo(run.fake, 'BTC-USD', 49_000);
    const [stop] = stopsOn(run.fake, 'BTC-USD');
    expect(stop).toMatchObject({ triggered: true, status: 'OPEN', filled_size: 0 });
    const triggeredRecords = () => auditRecords(run.logDir).filter((r) => r.event === 'venue_stop' && r.action === 'triggered' && r.client_order_id === stop!.client_order_id);
    await restart(run);
    expect(triggeredRecords()).toHaveLength(1);
    await restart(run);
    expect(triggeredRecords()).toHaveLength(1);
    expect(stopsOn(run.fake, 'BTC-USD')).toEqual([expect.objectContaining({ status: 'OPEN', triggered: true })]);
  });

  it('an entry fills only in part then its stop covers the filled part only', async () => {
    const run = await live({ cycles: 1, beforeCycle: (_k, r) => r.fake.inject({ kind: 'partial_fill', fraction: 0.5, path: '/api/v3/brokerage/orders', method: 'POST' }) });
    // The first entry filled half; the rest rested until SIGTERM cancelled it (cancel_open_orders_on_shutdown).
    const partial = run.fake.state.orders.find((o) => o.side === 'BUY' && o.filled_size > 0 && o.filled_size < o.base_size)!;
    expect(partial).toMatchObject({ status: 'CANCELLED' });
    expect(stopsOn(run.fake, partial.product_id)).toEqual([expect.objectContaining({ status: 'OPEN', base_size: partial.filled_size })]);
    expect(positionOf(run.dataDir, partial.product_id)).toBe(partial.filled_size);
  });

  it('the rest of a partial entry fills later then the stop is replaced by one for the whole position; while HALTED it is left as it is', async () => {
    const partialRun = (halt: boolean) =>
      live({
        cycles: 2,
        beforeCycle: (k, r) => {
          if (k === 0) r.fake.inject({ kind: 'partial_fill', fraction: 0.5, path: '/api/v3/brokerage/orders', method: 'POST' });
          if (k !== 1) return;
          if (halt) writeFileSync(join(dirname(r.logDir), 'KILL_SWITCH'), '');
          // The book touches the resting rest of the entry (its limit is the ask): it fills, as a maker.
          const rest = r.fake.state.orders.find((o) => o.side === 'BUY' && o.status === 'OPEN')!;
          const p = r.fake.state.products.get(rest.product_id)!;
          r.fake.setBook(rest.product_id, { bid: p.bid, ask: p.ask, price: p.price });
        },
      });
    const run = await partialRun(false);
    const entry = run.fake.state.orders.find((o) => o.side === 'BUY' && o.status === 'FILLED' && stopsOn(run.fake, o.product_id).length === 2)!;
    const [first, second] = stopsOn(run.fake, entry.product_id);
    const firstFill = (f: FakeCoinbase, o: FakeOrder) => f.state.fills.find((x) => x.order_id === o.order_id)!.size;
    expect(first).toMatchObject({ status: 'CANCELLED', base_size: firstFill(run.fake, entry) });
    expect(second).toMatchObject({ status: 'OPEN', base_size: entry.filled_size });
    const records = auditRecords(run.logDir);
    expect(seqOf(records, (r) => r.event === 'venue_stop' && r.action === 'cancelled' && r.reason === 'replaced' && r.client_order_id === first!.client_order_id)).toBeLessThan(seqOf(records, (r) => r.event === 'order_intent' && r.client_order_id === second!.client_order_id));

    const halted = await partialRun(true);
    const heldEntry = halted.fake.state.orders.find((o) => o.side === 'BUY' && o.filled_size === o.base_size && stopsOn(halted.fake, o.product_id).some((x) => x.base_size < o.base_size))!;
    expect(stopsOn(halted.fake, heldEntry.product_id)).toEqual([expect.objectContaining({ status: 'OPEN', base_size: firstFill(halted.fake, heldEntry) })]);
    expect(positionOf(halted.dataDir, heldEntry.product_id)).toBe(heldEntry.filled_size);
    expect(halted.cycles[1]!.trading_state).toBe('HALTED');
  });

  it('the venue refuses the stop (the price fell below it meanwhile) then an alert is recorded and the cycle own stop still exits the position', async () => {
    let fake: FakeCoinbase | undefined;
    let armed = true;
    const run = await live({
      cycles: 2,
      // The BTC entry fills; before the stop is placed the last price drops below the stop it will ask for.
      fake: { onOrderBooked: (o) => void (armed && o.product_id === 'BTC-USD' && o.side === 'BUY' && ((armed = false), moveTo(fake!, 'BTC-USD', BTC.stop - 10))) },
      beforeCycle: (_k, r) => void (fake = r.fake),
    });
    const refused = auditRecords(run.logDir).find((r) => r.event === 'venue_stop' && r.action === 'rejected' && r.symbol === 'BTC-USD');
    expect(refused).toMatchObject({ alert: true, stop_price: BTC.stop, error: expect.stringContaining('PREVIEW_STOP_PRICE_ABOVE_LAST_TRADE_PRICE') });
    expect(stopsOn(run.fake, 'BTC-USD')).toEqual([]);
    // Cycle 2: bid 49,789.96 ≤ 49,809.96: the daemon's own stop-loss exit sells the position.
    expect(run.cycles[1]!.orders.find((o) => o.symbol === 'BTC-USD' && o.intent === 'exit')).toMatchObject({ reason: 'stop_loss', status: 'filled' });
    expect(positionOf(run.dataDir, 'BTC-USD')).toBe(0);
  });
});
