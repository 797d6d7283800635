import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { createSimExchange } from '../../src/exchange/sim/index.ts';
import type { MarketData, OrderVenue } from '../../src/exchange/types.ts';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { StateStore } from '../../src/state/store.ts';
import { copyConfig, tempDir } from '../helpers/cli.ts';

const START = Date.parse('2026-01-01T00:00:00Z');

function records(logDir: string): Record<string, unknown>[] {
  return readFileSync(join(logDir, '247trader-v2_audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function newLoop(mode: 'DRY_RUN' | 'PAPER', market?: (clock: VirtualClock) => MarketData) {
  const root = tempDir('247t-loop-');
  const clock = new VirtualClock(START);
  const loop = new TradingLoop({
    configDir: copyConfig(root),
    mode,
    logDir: join(root, 'logs'),
    dataDir: join(root, 'data'),
    clock,
    logger: silentLogger(),
    market: market?.(clock),
  });
  return { loop, root, clock };
}

describe('TradingLoop on the sim market with a virtual clock', () => {
  it('500 PAPER cycles then cash plus positions reconcile with the fills and every record carries the hash', async () => {
    const { loop, root } = newLoop('PAPER');
    await loop.start();
    await loop.run(new AbortController().signal, { maxCycles: 500 });
    await loop.stop('test');

    const rs = records(join(root, 'logs'));
    expect(rs[0]).toMatchObject({ event: 'startup', mode: 'PAPER' });
    expect(rs.at(-1)).toMatchObject({ event: 'shutdown', cycles_run: 500 });
    for (const r of rs) expect(r.config_hash).toBe(loop.configHash);
    const cycles = rs.filter((r) => r.event === 'cycle') as unknown as CycleRecord[];
    expect(cycles).toHaveLength(500);
    expect(cycles.map((c) => c.cycle)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));

    // Some cycles trade, many do not, for several different reasons.
    const executed = cycles.filter((c) => c.status === 'EXECUTED');
    expect(executed.length).toBeGreaterThan(0);
    expect(executed.length).toBeLessThan(100);
    const reasons = new Set(cycles.map((c) => c.no_trade_reason).filter(Boolean));
    expect(reasons.size).toBeGreaterThanOrEqual(2);
    const codes = new Set(cycles.flatMap((c) => Object.values(c.proposal_rejections).flat().map((r) => r.split(':')[0])));
    expect(codes.size).toBeGreaterThanOrEqual(2);

    // The state agrees with its own fills, and the fills are exactly the orders recorded as filled.
    const store = StateStore.open({ dir: join(root, 'data'), mode: 'PAPER', startingCashUsd: loop.config.policy.sizing.starting_cash_usd });
    try {
      const rc = store.reconcileCheck();
      expect(rc.cash).toBeCloseTo(rc.cashFromFills, 6);
      for (const [sym, qty] of Object.entries(rc.positionsFromFills)) expect(rc.positions[sym] ?? 0).toBeCloseTo(qty, 9);
      const filled = cycles.flatMap((c) => c.orders.filter((o) => o.status === 'filled').map((o) => o.client_order_id)).sort();
      expect(store.listFills().map((f) => f.clientOrderId).sort()).toEqual(filled);
      // Equity in the last record = cash + positions at the marks of that cycle.
      const last = cycles.at(-1)!;
      expect(last.pnl.cash_usd).toBeCloseTo(rc.cash, 2);
    } finally {
      store.close();
    }
  });

  it('DRY_RUN with a market whose order methods throw then every cycle completes and none is called', async () => {
    const calls: string[] = [];
    const { loop, root } = newLoop('DRY_RUN', (clock) => {
      const sim = createSimExchange({ seed: 247, clock });
      const refuse = (name: string) => () => {
        calls.push(name);
        throw new Error(`${name} must never be called in DRY_RUN`);
      };
      const venue: OrderVenue = {
        fetchBalances: refuse('fetchBalances'),
        createOrder: refuse('createOrder'),
        cancelOrder: refuse('cancelOrder'),
        fetchOrder: refuse('fetchOrder'),
        fetchOpenOrders: refuse('fetchOpenOrders'),
      };
      return Object.assign(Object.create(sim) as MarketData, venue, { listProducts: () => sim.listProducts(), fetchCandles: sim.fetchCandles.bind(sim) });
    });
    await loop.start();
    await loop.run(new AbortController().signal, { maxCycles: 300 });
    await loop.stop('test');
    const cycles = records(join(root, 'logs')).filter((r) => r.event === 'cycle') as unknown as CycleRecord[];
    expect(cycles).toHaveLength(300);
    expect(cycles.filter((c) => String(c.no_trade_reason).startsWith('exception'))).toEqual([]);
    expect(calls).toEqual([]);
    // DRY_RUN records what it would have sent.
    const recorded = cycles.flatMap((c) => c.orders);
    expect(recorded.length).toBeGreaterThan(0);
    for (const o of recorded) expect(o).toMatchObject({ status: 'recorded', order_id: `dry_run_${o.client_order_id}` });
  });

  it('auditCycle given a hash then the entry carries that hash and stage latencies are kept', async () => {
    const { loop, root } = newLoop('DRY_RUN');
    await loop.start();
    const rec = await loop.runCycle();
    loop.auditCycle({ ...rec, config_hash: 'test_hash_123', stage_latencies: { audit_log: 0.5 } });
    await loop.stop('test');
    const last = records(join(root, 'logs')).filter((r) => r.event === 'cycle').at(-1)!;
    expect(last.config_hash).toBe('test_hash_123');
    expect(last.stage_latencies).toEqual({ audit_log: 0.5 });
    expect(rec.config_hash).toBe(loop.configHash);
    expect(Object.keys(rec.stage_latencies)).toEqual(expect.arrayContaining(['market_data', 'universe', 'triggers', 'proposals', 'risk', 'orders']));
  });

  it('a stage that throws then that cycle is NO_TRADE exception:<Type> and the loop goes on', async () => {
    let n = 0;
    const { loop, root } = newLoop('PAPER', (clock) => {
      const sim = createSimExchange({ seed: 247, clock });
      return {
        name: 'flaky',
        listProducts: () => sim.listProducts(),
        fetchCandles: (s, tf, l) => {
          if (++n === 3) throw new TypeError('boom');
          return sim.fetchCandles(s, tf, l);
        },
      };
    });
    await loop.start();
    await loop.run(new AbortController().signal, { maxCycles: 3 });
    await loop.stop('test');
    const cycles = records(join(root, 'logs')).filter((r) => r.event === 'cycle');
    expect(cycles.filter((c) => String(c.no_trade_reason).startsWith('data_unavailable:candles:'))).toHaveLength(1);
    expect(cycles).toHaveLength(3);
  });
});
