/**
 * SIGKILL of a LIVE daemon with an order on its way, then a restart, through real daemon processes
 * and the fake Coinbase. Each test has its own fake, holding exactly what the seeded LIVE book holds,
 * so startup reconciliation has nothing to complain about but what the kill left behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';
import { CREDENTIALS_ENV, PUBLIC, SECRET_STRINGS, auditRecords, daemonDirs, dirArgs as args, editYaml, everything, liquidProducts, liveTestConfig, runDaemon, seedPosition, startDaemon, until, writeAheadReport } from './helpers.ts';

const ORDERS = '/api/v3/brokerage/orders';

const fakes: FakeCoinbase[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

/** A LIVE book holding 0.01 BTC bought two hours ago (its max hold is one hour: the daemon exits at once), a venue holding the same. */
async function setup(prefix: string) {
  const fake = await startFakeCoinbase({ products: liquidProducts(), balances: { USD: 10_000, BTC: 0.01 }, verifyKeyPem: PUBLIC });
  fakes.push(fake);
  const d = daemonDirs(prefix);
  // Entries off: the only order is the exit of the seeded position, a post-only sell that rests on the book.
  const configDir = liveTestConfig(d.root, { orderType: 'limit_post_only', edit: (dir) => editYaml(dir, 'signals.yaml', (s) => (s.strategies.rules.enabled = false)) });
  seedPosition(d.dataDir, 'LIVE', 'BTC-USD', 0.01, 50_000);
  return { fake, d, configDir, env: { TRADER_CCXT_URL_OVERRIDE: fake.url, ...CREDENTIALS_ENV } };
}

/** Starts a LIVE daemon, waits until its order request reaches the venue, checks the intent is on disk, and SIGKILLs it. */
async function killDuringSend(s: Awaited<ReturnType<typeof setup>>) {
  const first = startDaemon(args(s.d, s.configDir, '--live', '--loop', '--interval', '1'), s.env);
  await until('the order request to reach the venue', () => s.fake.countRequests('POST', ORDERS) > 0, 60_000);
  // The intent was written before the request left.
  const intent = auditRecords(s.d.logDir).find((x) => x.event === 'order_intent');
  expect(intent).toMatchObject({ symbol: 'BTC-USD', side: 'sell', quantity: 0.01 });
  process.kill(first.pid, 'SIGKILL');
  expect(await first.exited).toBe(137);
  const id = intent!.client_order_id as string;
  expect(auditRecords(s.d.logDir).filter((x) => x.client_order_id === id).map((x) => x.event)).toEqual(['order_intent']);
  return { id, out: [first.stdout(), first.stderr()] };
}

describe('LIVE kill and restart through the daemon', () => {
  it('SIGKILL while the order request is in flight then restart: unresolved, nothing resent, the exit held, reconciled clean', async () => {
    const s = await setup('247t-kill-flight-');
    // The venue sits on the request; the sender dies before it is read, so the order never reaches the book.
    s.fake.inject({ kind: 'latency', ms: 5000, path: ORDERS, method: 'POST' });
    const { id, out } = await killDuringSend(s);

    const second = await runDaemon(args(s.d, s.configDir, '--live', '--max-cycles', '2', '--interval', '0.5'), s.env);
    expect(second.code).toBe(0);
    const records = auditRecords(s.d.logDir);
    // Not on the venue, and within the grace period an order may still appear: it stays unknown, never resent.
    expect(s.fake.state.orders).toEqual([]);
    expect(s.fake.countRequests('POST', ORDERS)).toBe(1);
    expect(records.filter((x) => x.client_order_id === id).map((x) => x.event)).toEqual(['order_intent']);
    expect(records.filter((x) => x.event === 'reconcile')).toEqual([
      expect.objectContaining({ trigger: 'startup', outcome: 'ok', differences: [], unresolved_orders: [] }),
      expect.objectContaining({ trigger: 'startup', outcome: 'ok', differences: [], unresolved_orders: [id], positions: { 'BTC-USD': 0.01 } }),
    ]);
    const cycles = records.filter((x) => x.event === 'cycle') as { no_trade_reason: string; orders: unknown[]; proposal_rejections: Record<string, string[]> }[];
    expect(cycles.length).toBeGreaterThanOrEqual(2);
    const after = cycles.slice(-2);
    for (const c of after) {
      expect(c.no_trade_reason).toBe('unresolved_orders');
      expect(c.orders).toEqual([]);
      expect(c.proposal_rejections['BTC-USD']).toEqual([`open_order_exists: symbol=BTC-USD, side=sell, client_order_id=${id}, status=sent`]);
    }
    const all = everything(s.d, [...out, second.stdout, second.stderr]);
    for (const x of SECRET_STRINGS) expect(all).not.toContain(x);
  });

  it('SIGKILL after the venue accepted, before the answer, then restart: found by client id, one outcome, no duplicate, cancelled on SIGTERM', async () => {
    const s = await setup('247t-kill-accept-');
    // The venue books the order at once and holds the answer back.
    s.fake.inject({ kind: 'timeout_after_accept', ms: 5000, path: ORDERS, method: 'POST' });
    const { id, out } = await killDuringSend(s);
    expect(s.fake.ordersByClientId(id)).toHaveLength(1);

    const second = startDaemon(args(s.d, s.configDir, '--live', '--loop', '--interval', '0.5'), s.env);
    await until('two cycles after the restart', () => auditRecords(s.d.logDir).filter((x) => x.event === 'cycle').length >= 2, 30_000);
    process.kill(second.pid, 'SIGTERM');
    expect(await second.exited).toBe(0);

    const records = auditRecords(s.d.logDir);
    expect(records.filter((x) => x.client_order_id === id).map((x) => [x.event, x.resolved_by ?? null])).toEqual([
      ['order_intent', null],
      ['order_outcome', 'lookup'],
    ]);
    expect(writeAheadReport(records, [id])).toEqual([{ id, intents: 1, outcomes: 1, intentFirst: true, hashes: [records[0]!.config_hash] }]);
    expect(records.filter((x) => x.event === 'reconcile').at(-1)).toMatchObject({ trigger: 'startup', outcome: 'ok', differences: [], open_orders: [id], unresolved_orders: [] });
    // The resting exit was not followed by a second one; SIGTERM cancelled it (cancel_open_orders_on_shutdown).
    const cycles = records.filter((x) => x.event === 'cycle') as { orders: unknown[]; proposal_rejections: Record<string, string[]> }[];
    for (const c of cycles) expect(c.orders).toEqual([]);
    expect(cycles.at(-1)!.proposal_rejections['BTC-USD']).toEqual([`open_order_exists: symbol=BTC-USD, side=sell, client_order_id=${id}, status=open`]);
    // With its exit cancelled the position would be unprotected while the daemon is down: SIGTERM leaves a venue stop for it.
    const stop = s.fake.state.orders.find((o) => o.order_type === 'STOP_LIMIT');
    expect(records.at(-1)).toMatchObject({ event: 'shutdown', reason: 'signal SIGTERM', open_orders_cancelled: [id], cancel_failed: [], venue_stops_kept: [stop?.client_order_id] });
    expect(s.fake.state.orders.map((o) => [o.client_order_id, o.status])).toEqual([
      [id, 'CANCELLED'],
      [stop!.client_order_id, 'OPEN'],
    ]);
    expect(stop).toMatchObject({ side: 'SELL', base_size: 0.01 });
    expect(s.fake.countRequests('POST', ORDERS)).toBe(2);
    for (const x of records) expect(x.config_hash).toBe(records[0]!.config_hash);
    const all = everything(s.d, [...out, second.stdout(), second.stderr()]);
    for (const x of SECRET_STRINGS) expect(all).not.toContain(x);
  });
});
