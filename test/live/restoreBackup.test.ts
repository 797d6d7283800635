/**
 * A restore of an old state backup in LIVE: the restored book reuses cycle numbers the venue has
 * already seen. Client ids carry a random nonce, so no id repeats on the venue; the startup reconcile
 * refuses (halts) on the holdings the old book does not know; accepted, the daemon trades on, nothing
 * is booked twice and no venue order is taken for a new one (no order_conflict, no id sent twice). In process, one virtual clock (pinned start).
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CcxtExchange } from '../../src/exchange/ccxt/adapter.ts';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { ReconcileRefused } from '../../src/runner/reconcileStep.ts';
import { StateStore } from '../../src/state/store.ts';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';
import { tempDir } from '../helpers/cli.ts';
import { CREDENTIALS_ENV, LIVE_T0, PUBLIC, auditRecords, liquidProducts, liveAdapter, liveTestConfig, runCycles, sweepBook } from './helpers.ts';

const INTERVAL_S = 900;

describe('LIVE after restoring an old state backup', () => {
  const root = tempDir('247t-live-restore-');
  const logDir = join(root, 'logs');
  const dataDir = join(root, 'data');
  const backup = join(root, 'backup');
  const configDir = liveTestConfig(root);
  const clock = new VirtualClock(LIVE_T0);
  let fake: FakeCoinbase | undefined;
  const adapters: CcxtExchange[] = [];
  afterAll(async () => {
    for (const a of adapters) await a.close();
    await fake?.close();
  });

  const daemon = (accept = false) => {
    const ex = liveAdapter(fake!, clock);
    adapters.push(ex);
    return new TradingLoop({ configDir, mode: 'LIVE', logDir, dataDir, clock, logger: silentLogger(), market: ex, env: { ...CREDENTIALS_ENV }, intervalSeconds: INTERVAL_S, acceptReconcileDifferences: accept });
  };
  const run = (loop: TradingLoop, n: number) =>
    runCycles(loop, clock, n, INTERVAL_S, {
      before: (k) => {
        if (k % 2 === 1) sweepBook(fake!);
      },
    });

  it('cycle numbers repeat but client ids do not; startup refuses the differences, accepted it trades on and books nothing twice', async () => {
    fake = await startFakeCoinbase({ products: liquidProducts(), balances: { USD: 10_000 }, now: () => clock.now(), verifyKeyPem: PUBLIC });
    // Day 1: two cycles, then a backup of the state dir (daemon stopped), then ten more cycles that trade.
    let loop = daemon();
    await loop.start();
    await run(loop, 2);
    await loop.stop('signal SIGTERM');
    cpSync(dataDir, backup, { recursive: true });
    loop = daemon();
    await loop.start();
    await run(loop, 10);
    await loop.stop('signal SIGTERM');
    const before = fake.state.orders.length;
    const submittedBefore = fake.state.submitted.length;
    expect(before).toBeGreaterThan(0);
    const held = [...fake.state.balances.entries()].filter(([a, q]) => a !== 'USD' && q > 0);

    // The operator restores the old backup: the book forgets ten cycles of orders and fills.
    rmSync(dataDir, { recursive: true, force: true });
    cpSync(backup, dataDir, { recursive: true });
    const refused = await daemon().start().then(() => undefined, (e: unknown) => e);
    if (held.length > 0) {
      // Holdings the restored book does not know: the start halts (fail closed), nothing sent.
      expect(refused).toBeInstanceOf(ReconcileRefused);
      expect(String((refused as Error).message)).toMatch(/position_mismatch/);
      expect(fake.state.orders).toHaveLength(before);
    } else {
      expect(refused).toBeUndefined();
    }

    // Accepted after checking: the holdings become the operator's baseline and trading resumes from the
    // restored cycle numbers, which the venue has already seen.
    loop = daemon(true);
    await loop.start();
    await run(loop, 10);
    await loop.stop('signal SIGTERM');

    // Every id the restored run sent is new to the venue, although its cycle numbers are not.
    const sent = fake.state.submitted;
    expect(sent.length).toBeGreaterThan(submittedBefore);
    expect(new Set(sent).size).toBe(sent.length);
    const cycleOf = (id: string) => id.split('-')[2];
    const earlyCycles = new Set(sent.slice(0, submittedBefore).map(cycleOf));
    expect(sent.slice(submittedBefore).some((id) => earlyCycles.has(cycleOf(id)))).toBe(true);
    const records = auditRecords(logDir);
    expect(records.filter((r) => r.event === 'order_conflict')).toEqual([]);
    // Nothing booked twice: no venue order has more booked against it than it filled, and no fill id repeats.
    const store = StateStore.open({ dir: dataDir, mode: 'LIVE', startingCashUsd: 0 });
    try {
      const fills = store.listFills();
      expect(new Set(fills.map((f) => f.clientOrderId)).size).toBe(fills.length);
      const venueIds = new Set(fake.state.orders.map((o) => o.client_order_id));
      for (const f of fills) expect(venueIds.has(f.clientOrderId.split('#')[0]!)).toBe(true);
      for (const o of fake.state.orders) {
        const booked = fills.filter((f) => f.clientOrderId.split('#')[0] === o.client_order_id).reduce((a, f) => a + f.quantity, 0);
        expect(booked).toBeLessThanOrEqual(o.filled_size + 1e-12);
      }
    } finally {
      store.close();
    }
  }, 180_000);
});
