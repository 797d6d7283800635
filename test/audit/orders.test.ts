/**
 * `audit orders`: the order record rebuilt from the audit log alone. First the row rules on small
 * hand-written logs (each event kind, never-sent intents, no doubled LIVE rows, time filters, CSV
 * quoting); then a LIVE log written by the real TradingLoop against the fake Coinbase with the
 * crash loop's kinds of trouble (timeouts after accept, 5xx on send, partial fills, stale cancels),
 * exported through the CLI: every venue order has its intent, submit and outcome rows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderRowBuilder, type OrderRow } from '../../src/audit/orderRows.ts';
import { renderOrdersCsv } from '../../src/audit/orders.ts';
import type { TradingLoop } from '../../src/runner/mainLoop.ts';
import { seededRandom } from '../../src/runner/schedule.ts';
import type { FakeCoinbase } from '../fakes/fakeCoinbase.ts';
import { ROOT, runCli, tempDir } from '../helpers/cli.ts';
import { runLiveLoop, sweepBook, type LiveRun } from '../live/helpers.ts';

const T = (min: number, ms = 0) => new Date(Date.UTC(2026, 10, 26, 10, min, 0, ms)).toISOString();
const base = (seq: number, event: string, mode = 'LIVE') => ({ timestamp: T(seq, 123), event, instance_id: 'trader-1', mode, config_hash: 'bfb734a7aa5cb0a8', code_version: '0.1.0+abc', seq });
const startup = (seq: number, mode = 'LIVE', exchange = 'coinbase') => ({ ...base(seq, 'startup', mode), exchange, code_hash: 'c0de' });
const intent = (seq: number, id: string, mode = 'LIVE') => ({
  ...base(seq, 'order_intent', mode),
  client_order_id: id,
  symbol: 'BTC-USD',
  side: 'buy',
  quantity: 0.01,
  price: 49_000,
  intent: 'entry',
  type: 'limit',
  post_only: false,
  notional_usd: 490,
  reason: 'breakout+volume_spike',
  conviction: 0.62,
  tier: 'tier_1',
});
const outcome = (seq: number, id: string, f: Record<string, unknown>) => ({ ...base(seq, 'order_outcome'), client_order_id: id, symbol: 'BTC-USD', side: 'buy', quantity: 0.01, price: 49_000, order_id: null, filled_qty: 0, avg_fill_price: 0, fee_usd: 0, error: null, ...f });
const cycle = (seq: number, mode: string, orders: Record<string, unknown>[]) => ({ ...base(seq, 'cycle', mode), cycle: seq, status: 'EXECUTED', orders });

function rows(records: Record<string, unknown>[]): OrderRow[] {
  const b = new OrderRowBuilder();
  for (const r of records) b.add(r);
  return b.finish();
}
const brief = (rs: OrderRow[]) => rs.map((r) => [r.seq, r.event, r.client_order_id, r.status, r.outcome]);

describe('order rows from audit records', () => {
  it('a LIVE order that rests, then fills by reconcile then intent, submit, ack, fill rows with the intent fields on each', () => {
    const rs = rows([
      startup(1),
      intent(2, 'a'),
      outcome(3, 'a', { status: 'open', order_id: 'ex-1' }),
      // The cycle record repeats the outcome: not a second row.
      cycle(4, 'LIVE', [{ client_order_id: 'a', symbol: 'BTC-USD', side: 'buy', intent: 'entry', quantity: 0.01, price: 49_000, status: 'open', order_id: 'ex-1', fee_usd: 0, error: null }]),
      { ...base(5, 'reconcile'), trigger: 'periodic', actions: { cancelled_stale: [], updated: ['a:filled'] } },
    ]);
    expect(brief(rs)).toEqual([
      [2, 'intent', 'a', 'intended', 'filled'],
      [2, 'submit', 'a', 'sent', 'filled'],
      [3, 'ack', 'a', 'open', 'filled'],
      [5, 'fill', 'a', 'filled', 'filled'],
    ]);
    for (const r of rs) {
      expect(r).toMatchObject({ instance_id: 'trader-1', mode: 'LIVE', venue: 'coinbase', symbol: 'BTC-USD', side: 'buy', type: 'limit', post_only: false, quantity: 0.01 });
      expect(r).toMatchObject({ config_hash: 'bfb734a7aa5cb0a8', code_version: '0.1.0+abc', code_hash: 'c0de', decision_reason: 'breakout+volume_spike', conviction: 0.62, risk_checks: 'passed' });
      expect(r.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.123Z$/);
    }
    expect(rs[0]!.exchange_order_id).toBeNull(); // not known yet when the intent was written
    expect(rs[2]!.exchange_order_id).toBe('ex-1');
  });

  it('an intent a crash stopped before the send then no submit row, and the reject row says never_sent', () => {
    const rs = rows([startup(1), intent(2, 'k'), startup(3), outcome(4, 'k', { status: 'rejected', error: 'never_sent', resolved_by: 'lookup' })]);
    expect(brief(rs)).toEqual([
      [2, 'intent', 'k', 'intended', 'never_sent'],
      [4, 'reject', 'k', 'rejected', 'never_sent'],
    ]);
    expect(rs[1]!.error).toBe('never_sent');
  });

  it('a timeout then an unknown row, resolved by a later lookup then its fill row with quantities', () => {
    const rs = rows([
      startup(1),
      intent(2, 'u'),
      { ...base(3, 'order_unknown'), client_order_id: 'u', symbol: 'BTC-USD', side: 'buy', quantity: 0.01, price: 49_000, error: 'timeout' },
      cycle(4, 'LIVE', [{ client_order_id: 'u', status: 'unknown', error: 'timeout' }]),
      outcome(5, 'u', { status: 'partially_filled', order_id: 'ex-2', filled_qty: 0.005, avg_fill_price: 48_990, fee_usd: 0.3, resolved_by: 'lookup' }),
      { ...base(6, 'shutdown'), reason: 'signal SIGTERM', open_orders_cancelled: ['u'], cancel_failed: [] },
    ]);
    expect(brief(rs)).toEqual([
      [2, 'intent', 'u', 'intended', 'cancelled'],
      [2, 'submit', 'u', 'sent', 'cancelled'],
      [3, 'unknown', 'u', 'unknown', 'cancelled'],
      [5, 'fill', 'u', 'partially_filled', 'cancelled'],
      [6, 'cancel', 'u', 'cancelled', 'cancelled'],
    ]);
    expect(rs[3]).toMatchObject({ filled_qty: 0.005, avg_fill_price: 48_990, fee_usd: 0.3, exchange_order_id: 'ex-2' });
  });

  it('PAPER, DRY_RUN and an order the LIVE executor held back then rows from the cycle records', () => {
    const rs = rows([
      startup(1, 'PAPER', 'sim'),
      intent(2, 'p', 'PAPER'),
      cycle(3, 'PAPER', [{ client_order_id: 'p', symbol: 'BTC-USD', side: 'buy', intent: 'entry', quantity: 0.01, price: 49_010, status: 'filled', order_id: 'paper-1', fee_usd: 0.29, error: null }]),
      startup(4, 'DRY_RUN', 'sim'),
      cycle(5, 'DRY_RUN', [{ client_order_id: 'd', symbol: 'ETH-USD', side: 'sell', intent: 'exit', quantity: 1, price: 3000, status: 'recorded', order_id: null, fee_usd: 0, error: null }]),
      startup(6),
      cycle(7, 'LIVE', [{ client_order_id: 'h', symbol: 'SOL-USD', side: 'buy', intent: 'entry', quantity: 2, price: 150, status: 'rejected', order_id: null, fee_usd: 0, error: 'unresolved_orders' }]),
    ]);
    expect(brief(rs)).toEqual([
      [2, 'intent', 'p', 'intended', 'filled'], // PAPER never leaves the process: no submit row
      [3, 'fill', 'p', 'filled', 'filled'],
      [5, 'intent', 'd', 'recorded', 'recorded'],
      [7, 'reject', 'h', 'rejected', 'rejected'],
    ]);
    expect(rs[1]).toMatchObject({ venue: 'sim', filled_qty: 0.01, avg_fill_price: 49_010, fee_usd: 0.29, exchange_order_id: 'paper-1', decision_reason: 'breakout+volume_spike' });
    expect(rs[2]).toMatchObject({ mode: 'DRY_RUN', symbol: 'ETH-USD', side: 'sell', intent: 'exit', quantity: 1 });
    expect(rs[3]).toMatchObject({ venue: 'coinbase', error: 'unresolved_orders' });
  });

  it('a stale order cancelled by reconcile then one cancel row (it is listed both as cancelled and updated)', () => {
    const rs = rows([startup(1), intent(2, 's'), outcome(3, 's', { status: 'open', order_id: 'ex-3' }), { ...base(4, 'reconcile'), actions: { cancelled_stale: ['s'], updated: ['s:cancelled'] } }]);
    expect(brief(rs).map((r) => r[1])).toEqual(['intent', 'submit', 'ack', 'cancel']);
  });

  it('a reason with a comma and a quote then one CSV cell, quoted; nulls as empty cells', () => {
    const [r] = rows([startup(1), { ...intent(2, 'q'), reason: 'exit: "stop", then more' }]);
    const csv = renderOrdersCsv([r!]).split('\r\n');
    expect(csv[0]!.split(',')).toContain('decision_reason');
    const header = csv[0]!.split(',');
    expect(csv[1]).toContain(',"exit: ""stop"", then more",');
    expect(csv[1]!.split(',')[header.indexOf('exchange_order_id')]).toBe('');
  });
});

describe('audit orders through the CLI', () => {
  it("the earlier bot's log then one row per orders[] entry (jq '.orders[]?' counts 84), keyed by order_id", () => {
    const r = runCli(['audit', 'orders', join(ROOT, 'test/fixtures/legacy-audit/247trader-v2_audit.jsonl'), '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as OrderRow);
    expect(got).toHaveLength(84);
    expect(got[0]).toMatchObject({ timestamp: '2025-11-11T05:23:42.358Z', mode: 'LIVE', event: 'unknown', client_order_id: 'dry_run_ce63fbce', status: 'success', risk_checks: null });
  });

  it('--from/--to then only the rows in [from, to), as JSON lines; --format xml then exit 2', () => {
    const dir = tempDir('247t-orders-');
    const file = join(dir, '247trader-v2_audit.jsonl');
    const recs = [startup(1), intent(2, 'a'), outcome(3, 'a', { status: 'filled', order_id: 'ex-1', filled_qty: 0.01, avg_fill_price: 49_000 }), intent(6, 'b'), outcome(7, 'b', { status: 'rejected', error: 'INSUFFICIENT_FUND' })];
    writeFileSync(file, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = runCli(['audit', 'orders', file, '--format', 'jsonl', '--from', T(3), '--to', T(7)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as OrderRow);
    expect(brief(got)).toEqual([
      [3, 'fill', 'a', 'filled', 'filled'],
      [6, 'intent', 'b', 'intended', 'rejected'],
      [6, 'submit', 'b', 'sent', 'rejected'],
    ]);
    const bad = runCli(['audit', 'orders', file, '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: option '--format <format>' argument 'xml' is invalid\. Allowed choices are csv, jsonl\.\n/);
  });
});

describe('audit orders on a LIVE log against the fake Coinbase', () => {
  const CYCLES = 60;
  const root = tempDir('247t-orders-live-');
  const logDir = join(root, 'logs');
  let run: LiveRun | undefined;
  let fake: FakeCoinbase;
  let loop: TradingLoop;

  beforeAll(async () => {
    const rand = seededRandom(20);
    run = await runLiveLoop({
      root,
      balances: { USD: 10_000 },
      adapter: { timeoutMs: 300, retry: { attempts: 3, baseMs: 10, maxMs: 40 }, random: () => 0.5 },
      // CYCLES with trouble, then two clean ones: an order whose answer was lost is looked up before the daemon stops.
      cycles: CYCLES + 2,
      intervalS: 900,
      beforeCycle: (k, { fake }) => {
        if (k === CYCLES) fake.clearFaults();
        if (k >= CYCLES) return;
        const r = rand();
        // The crash loop's kinds of trouble: the answer lost after the venue booked the order, a refused send, partial fills.
        if (rand() < 0.5) sweepBook(fake);
        if (r < 0.1) fake.inject({ kind: 'timeout_after_accept', ms: 600 });
        else if (r < 0.2) fake.inject({ kind: '5xx', path: '/api/v3/brokerage/orders', method: 'POST' });
        else if (r < 0.35) fake.inject({ kind: 'partial_fill', fraction: 0.5 });
      },
    });
    ({ fake, loop } = run);
  }, 120_000);

  afterAll(async () => {
    await run?.ex.close();
    await run?.fake.close();
  });

  it('every venue order then an intent, a submit and an outcome row, with the venue id, the algorithm and the decision', () => {
    const r = runCli(['audit', 'orders', logDir, '--format', 'jsonl']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as OrderRow);
    expect(fake.state.orders.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const v of fake.state.orders) {
      const mine = got.filter((x) => x.client_order_id === v.client_order_id);
      const events = mine.map((x) => x.event);
      const outcomeRow = mine.find((x) => ['ack', 'fill', 'cancel', 'reject'].includes(x.event));
      if (events[0] !== 'intent' || events[1] !== 'submit' || !outcomeRow) problems.push(`${v.client_order_id}: ${events.join(',')}`);
      if (outcomeRow && outcomeRow.exchange_order_id !== v.order_id) problems.push(`${v.client_order_id}: exchange id ${outcomeRow.exchange_order_id}, venue ${v.order_id}`);
      const i = mine[0]!;
      expect(i).toMatchObject({ instance_id: loop.config.app.instance_id, mode: 'LIVE', venue: 'coinbase', symbol: v.product_id, side: v.side.toLowerCase(), type: v.order_type.toLowerCase(), config_hash: loop.configHash, risk_checks: 'passed' });
      expect(i.quantity).toBeCloseTo(v.base_size, 12);
      if (v.limit_price !== undefined) expect(i.price).toBeCloseTo(v.limit_price, 9);
      expect(i.decision_reason).toBeTruthy();
      expect(i.code_version).toMatch(/^\d+\.\d+\.\d+\+/);
      // The submit row is dated no later than the venue booked the order.
      expect(Date.parse(mine[1]!.timestamp)).toBeLessThanOrEqual(v.created_ms);
      // The order's final status agrees with the venue's.
      const final = { FILLED: 'filled', CANCELLED: 'cancelled', OPEN: 'open', FAILED: 'rejected' }[v.status];
      if (i.outcome !== final) problems.push(`${v.client_order_id}: outcome ${i.outcome}, venue ${v.status}`);
    }
    expect(problems).toEqual([]);
    // The trouble happened: answers lost (unknown rows) and partial fills.
    expect(got.filter((x) => x.event === 'unknown').length).toBeGreaterThan(0);
    expect(got.filter((x) => x.status === 'partially_filled').length).toBeGreaterThan(0);
    // Entry intents carry their conviction; every timestamp is UTC with milliseconds.
    expect(got.filter((x) => x.event === 'intent' && x.intent === 'entry').every((x) => typeof x.conviction === 'number')).toBe(true);
    for (const x of got) expect(x.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // CSV: same rows, one header.
    const csv = runCli(['audit', 'orders', logDir]).stdout.trim().split('\r\n');
    expect(csv).toHaveLength(got.length + 1);
  });
});
