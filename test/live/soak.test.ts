/**
 * Issue 6 "done when": hundreds of LIVE cycles of the real TradingLoop against the fake Coinbase,
 * with faults injected, and every order on the venue has exactly one intent record before it and
 * one outcome record after it, same client_order_id and config_hash, none duplicated.
 * In process with a virtual clock shared by the loop, the adapter and the fake, so the fake's candles
 * move from cycle to cycle (one 15-minute bar per cycle) and 300 cycles take seconds.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { createCcxtExchange, type CcxtExchange } from '../../src/exchange/ccxt/adapter.ts';
import { universeSymbols } from '../../src/exchange/index.ts';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { RECONCILE_EVERY_CYCLES } from '../../src/runner/reconcileStep.ts';
import { StateStore } from '../../src/state/store.ts';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';
import { tempDir } from '../helpers/cli.ts';
import { API_KEY, CREDENTIALS_ENV, PUBLIC, SECRET, auditRecords, liquidProducts, liveTestConfig, sweepBook, writeAheadReport } from './helpers.ts';
import { seededRandom } from '../../src/runner/schedule.ts';

const T0 = Date.UTC(2025, 0, 6, 12, 0, 30);
const CYCLES = 250;
const INTERVAL_S = 900;


describe('LIVE soak against the fake venue', () => {
  const root = tempDir('247t-live-soak-');
  const logDir = join(root, 'logs');
  const dataDir = join(root, 'data');
  const clock = new VirtualClock(T0);
  let fake: FakeCoinbase;
  let ex: CcxtExchange;
  let loop: TradingLoop;
  const cycles: CycleRecord[] = [];

  beforeAll(async () => {
    fake = await startFakeCoinbase({ products: liquidProducts(), balances: { USD: 10_000 }, now: () => clock.now(), verifyKeyPem: PUBLIC });
    const configDir = liveTestConfig(root);
    ex = createCcxtExchange({
      urlOverride: fake.url,
      credentials: { apiKey: API_KEY, secret: SECRET },
      timeoutMs: 300,
      rateLimitMs: 1,
      clock,
      retry: { attempts: 3, baseMs: 10, maxMs: 40 },
      random: () => 0.5,
      marketsTtlMs: Number.MAX_SAFE_INTEGER, // market rules do not change on the fake: load them once
    });
    loop = new TradingLoop({ configDir, mode: 'LIVE', logDir, dataDir, clock, logger: silentLogger(), market: ex, env: { ...CREDENTIALS_ENV }, intervalSeconds: INTERVAL_S });
    await loop.start();
    const rand = seededRandom(6);
    for (let k = 0; k < CYCLES; k++) {
      const r = rand();
      const lastUnknown = cycles.at(-1)?.orders.some((o) => o.status === 'unknown') ?? false;
      // The market moves through resting orders now and then; the rest reach their TTL and are cancelled.
      if (rand() < 0.5) sweepBook(fake);
      if (k === 125) fake.inject({ kind: '5xx', count: 12 }); // a burst that opens the circuit breaker
      else if (lastUnknown) fake.inject({ kind: '5xx', count: 3, path: '/api/v3/brokerage/orders/historical' }); // the lookup fails too: unresolved
      else if (r < 0.06) fake.inject({ kind: 'timeout_after_accept', ms: 600 });
      else if (r < 0.11) fake.inject({ kind: '5xx', path: '/api/v3/brokerage/orders', method: 'POST' });
      else if (r < 0.16) fake.inject({ kind: '429', retryAfterSeconds: 0 });
      else if (r < 0.26) fake.inject({ kind: 'partial_fill', fraction: 0.5 });
      else if (r < 0.31) fake.inject({ kind: '5xx', path: '/api/v3/brokerage/orders/historical' });
      else if (r < 0.36) fake.inject({ kind: 'latency', ms: 30 });
      cycles.push(await loop.runCycle());
      clock.advance(INTERVAL_S * 1000);
    }
    fake.clearFaults();
    await loop.stop('signal SIGTERM');
  }, 300_000); // a hang guard: under a loaded 2-core CI box the 250 cycles take minutes

  afterAll(async () => {
    await ex?.close();
    await fake?.close();
  });

  it('every venue order has exactly one intent before it and one outcome after it, same id and config hash, none duplicated', () => {
    const records = auditRecords(logDir);
    const ids = fake.state.orders.map((o) => o.client_order_id);
    expect(ids.length).toBeGreaterThan(50);
    expect(new Set(ids).size).toBe(ids.length);
    const report = writeAheadReport(records, ids);
    expect(report.filter((r) => r.intents !== 1 || r.outcomes !== 1 || !r.intentFirst)).toEqual([]);
    expect(report.filter((r) => r.hashes.length !== 1 || r.hashes[0] !== loop.configHash)).toEqual([]);
    // The order records carry the common stamp like every other record.
    const intent = records.find((r) => r.event === 'order_intent')!;
    expect(intent).toMatchObject({ instance_id: loop.config.app.instance_id, mode: 'LIVE', config_hash: loop.configHash });
    expect(typeof intent.timestamp).toBe('string');
    expect(typeof intent.code_version).toBe('string');
    // No intent was recorded twice either (a resend under the same id would show here).
    const intentIds = records.filter((r) => r.event === 'order_intent').map((r) => r.client_order_id);
    expect(new Set(intentIds).size).toBe(intentIds.length);
  });

  it('the faults really happened: unknown outcomes, partial fills, unresolved cycles, the breaker opened and closed', () => {
    const outcomes = cycles.flatMap((c) => c.orders);
    expect(outcomes.filter((o) => o.status === 'unknown').length).toBeGreaterThan(3);
    expect(outcomes.filter((o) => o.status === 'partially_filled').length).toBeGreaterThan(3);
    const reasons = cycles.map((c) => c.no_trade_reason);
    expect(reasons).toContain('unresolved_orders');
    const open = reasons.indexOf('circuit_open');
    expect(open).toBeGreaterThan(0);
    // Closed again: later cycles trade.
    expect(cycles.slice(open + 1).some((c) => c.status === 'EXECUTED')).toBe(true);
    expect(cycles.filter((c) => String(c.no_trade_reason).startsWith('exception'))).toEqual([]);
  });

  it('positions booked from the venue fills equal the venue balances, and no order of ours is left open', () => {
    const store = StateStore.open({ dir: dataDir, mode: 'LIVE', startingCashUsd: 0 });
    try {
      const local: Record<string, number> = {};
      for (const p of store.positions()) local[p.symbol.split('-')[0]!] = p.quantity;
      const venue: Record<string, number> = {};
      for (const [asset, qty] of fake.state.balances) if (asset !== 'USD' && Math.abs(qty) > 1e-12) venue[asset] = qty;
      expect(Object.keys(local).sort()).toEqual(Object.keys(venue).sort());
      for (const [asset, qty] of Object.entries(venue)) expect(local[asset]).toBeCloseTo(qty, 9);
      // Positions opened and closed: sells were booked too.
      expect(store.listFills().some((f) => f.side === 'sell')).toBe(true);
      expect(store.listIntents(['pending', 'sent', 'unknown', 'open'])).toEqual([]);
    } finally {
      store.close();
    }
    expect(fake.state.orders.filter((o) => o.status === 'OPEN')).toEqual([]);
  });

  it('reconcile records at startup and every N cycles; stale orders cancelled; shutdown records the cancels', () => {
    const records = auditRecords(logDir);
    const rec = records.filter((r) => r.event === 'reconcile');
    expect(rec[0]).toMatchObject({ trigger: 'startup', outcome: 'ok', differences: [], accept_reconcile_differences: false });
    expect(rec.filter((r) => r.trigger === 'periodic').length).toBe(Math.floor(CYCLES / RECONCILE_EVERY_CYCLES));
    const cancelledStale = rec.flatMap((r) => (r.actions as { cancelled_stale: string[] }).cancelled_stale);
    expect(cancelledStale.length).toBeGreaterThan(0);
    for (const id of cancelledStale) expect(fake.ordersByClientId(id)[0]!.status).toBe('CANCELLED');
    const shutdown = records.at(-1)!;
    expect(shutdown).toMatchObject({ event: 'shutdown', reason: 'signal SIGTERM', cancel_failed: [] });
    expect(Array.isArray(shutdown.open_orders_cancelled)).toBe(true);
    for (const r of records) expect(r.config_hash).toBe(loop.configHash);
    expect(universeSymbols(loop.config.universe.tiers)).toContain('BTC-USD');
  });
});
