/**
 * Decision pipeline benchmark: universe → triggers → proposals → risk → orders over a
 * 300-symbol universe with a week of hourly candles each, no I/O inside the timed part.
 * Run alone: npx tsx scripts/bench-pipeline.ts
 */
import { loadConfig } from '../src/config/load.ts';
import type { Universe } from '../src/config/schema/universe.ts';
import { planOrders } from '../src/core/orders.ts';
import { makeProposals } from '../src/core/proposals.ts';
import { assessRisk, checkOrders } from '../src/core/risk.ts';
import { scanTriggers } from '../src/core/triggers.ts';
import type { MarketSnapshot, PortfolioView } from '../src/core/types.ts';
import { selectUniverse } from '../src/core/universe.ts';
import { createSimExchange } from '../src/exchange/sim/index.ts';
import type { Candle } from '../src/exchange/types.ts';
import { VirtualClock } from '../src/runner/clock.ts';
import type { BenchRow } from './benchRow.ts';


const SYMBOLS = 300;
const SNAPSHOTS = 60; // distinct market states, one per simulated hour
const ROUNDS = 10; // each state is decided this many times

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function benchPipeline(): Promise<BenchRow[]> {
  const cfg = loadConfig('config');
  const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'));
  const sim = createSimExchange({ seed: 7, clock, extraSymbols: SYMBOLS - 29 });
  const all = sim.symbols().filter((s) => !cfg.universe.never_trade.includes(s));
  // Every symbol in a tier, so the whole 300 go through every stage.
  const t1 = cfg.universe.tiers.tier_1.symbols;
  const t2 = cfg.universe.tiers.tier_2.symbols;
  const universe: Universe = {
    ...cfg.universe,
    tiers: {
      tier_1: { ...cfg.universe.tiers.tier_1 },
      tier_2: { ...cfg.universe.tiers.tier_2 },
      tier_3: { ...cfg.universe.tiers.tier_3, symbols: all.filter((s) => !t1.includes(s) && !t2.includes(s)), min_24h_volume_usd: 0 },
    },
  };
  const policy = { ...cfg.policy, liquidity: { ...cfg.policy.liquidity, min_24h_volume_usd: 0 } };

  // Market states are prepared up front: the timed part is the pure pipeline only.
  const snapshots: MarketSnapshot[] = [];
  for (let i = 0; i < SNAPSHOTS; i++) {
    clock.advance(3_600_000);
    const products = await sim.listProducts();
    const candles: Record<string, { m15: Candle[]; h1: Candle[] }> = {};
    for (const s of all) candles[s] = { m15: await sim.fetchCandles(s, '15m', 96), h1: await sim.fetchCandles(s, '1h', 168) };
    snapshots.push({ now: clock.now(), products, candles });
  }
  const portfolio = (now: number): PortfolioView => ({
    now, cashUsd: 10_000, positions: [], marksUsd: {}, equityUsd: 10_000, highWaterMarkUsd: 10_000,
    dailyPnlUsd: 0, weeklyPnlUsd: 0, consecutiveLosses: 0, recentTrades: [], cooldowns: {},
  });

  const times: number[] = [];
  let eligible = 0;
  // Round 0 warms the JIT and is not counted: a daemon runs the pipeline for months, not once.
  for (let r = 0; r <= ROUNDS; r++) {
    for (const snapshot of snapshots) {
      const pf = portfolio(snapshot.now);
      const t0 = process.hrtime.bigint();
      const u = selectUniverse({ universe, policy, products: snapshot.products, previouslyEligible: new Set(), bans: {}, now: snapshot.now });
      const tr = scanTriggers({ signals: cfg.signals, assets: u.assets, snapshot });
      const pr = makeProposals({ strategies: cfg.strategies, policy, triggers: tr.triggers, assets: u.assets, portfolio: pf, snapshot });
      const risk = assessRisk({ policy, proposals: pr.proposals, portfolio: pf, snapshot, killSwitch: false, tradingState: 'ACTIVE' });
      const plan = planOrders({ policy, approved: risk.approved, snapshot, instanceId: 'bench', cycle: 1 });
      checkOrders({ policy, orders: plan.orders, snapshot, recentOrders: [], now: snapshot.now });
      if (r > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      eligible = u.totalEligible;
    }
  }
  times.sort((a, b) => a - b);
  const p50 = pct(times, 50);
  const p99 = pct(times, 99);
  return [
    { name: `decision pipeline p50 (${eligible} symbols, 168 1h + 96 15m bars each)`, value: round(p50), unit: 'ms', target: '< 5 ms p99', ok: null },
    { name: 'decision pipeline p99', value: round(p99), unit: 'ms', target: 5, ok: p99 < 5 },
  ];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchPipeline()) console.log(`${r.name}: ${r.value} ${r.unit}`);
}
