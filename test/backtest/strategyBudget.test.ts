/**
 * signals.yaml `strategies.rules.risk_budget_pct` holds in a backtest: with a 3% budget, and every
 * other cap opened wide so that the budget is the only limit, what the strategy has at risk right
 * after each cycle's entries — its open positions at the marks the loop used plus every entry placed
 * in the cycle at its whole expected cost (notional × entryCostFactor: worst fill and fee) — never
 * exceeds 3% of the equity the loop saw when it decided. Before issue 16 the loop never passed the
 * budget to the risk stage (exposure reached 10.2%). Since issue 18 an entry fills at the next bar's
 * open (the fill model's latency): the budget bounds what the loop commits at the prices it decides
 * on; the next bar's move can take the filled position past it, as a real market would.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/runner.ts';
import { policySchema, type Policy } from '../../src/config/schema/policy.ts';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { entryCostFactor } from '../../src/core/risk/context.ts';
import { createReplayExchange, loadReplayData, type ReplayData } from '../../src/exchange/replay/index.ts';
import { exportSimCandles } from '../../src/exchange/replay/simExport.ts';
import { createSimExchange } from '../../src/exchange/sim/index.ts';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { copyConfig, tempDir } from '../helpers/cli.ts';

type Doc = Record<string, Record<string, unknown>>;

const DAY = 86_400_000;
const FROM = Date.UTC(2025, 2, 1);
const TO = FROM + 10 * DAY;
const SEED = 7; // a crash (hours 72–78) inside the window, among bull and bear spells
const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'DOGE-USD', 'LINK-USD', 'AVAX-USD', 'SUI-USD', 'PEPE-USD', 'OP-USD', 'ARB-USD'];

let root: string;
let dataDir: string;
let data: ReplayData;

beforeAll(async () => {
  root = tempDir('247t-budget-');
  dataDir = join(root, 'data');
  await exportSimCandles({ seed: SEED, symbols: SYMBOLS, from: FROM, to: TO, timeframe: '1h', outDir: dataDir });
  data = loadReplayData(dataDir);
});

/** The shipped config with the strategy budget at `budgetPct` and every other limit out of its way; entries 1–2% of equity, held at most 6 h. */
function config(budgetPct: number): string {
  const dir = copyConfig(join(root, `config-${budgetPct}`));
  const edit = (file: string, f: (d: Doc) => void) => {
    const d = load(readFileSync(join(dir, file), 'utf8')) as Doc;
    f(d);
    writeFileSync(join(dir, file), dump(d));
  };
  edit('policy.yaml', (p) => {
    Object.assign(p.risk!, {
      max_total_at_risk_pct: 100,
      max_per_asset_pct: 100,
      max_per_cluster_pct: 100,
      max_open_positions: 1000,
      max_new_positions_per_cycle: 100,
      max_trades_per_hour: 10_000,
      max_trades_per_day: 100_000,
      min_seconds_between_trades: 0,
      per_symbol_cooldown_minutes: 0,
      after_loss_cooldown_minutes: 0,
      daily_stop_loss_pct: 100,
      weekly_stop_loss_pct: 100,
      max_drawdown_pct: 100,
    });
    Object.assign(p.sizing!, { tier_1_pct: 2, tier_2_pct: 2, tier_3_pct: 2 });
    Object.assign(p.exits!, { max_hold_hours: 6 }); // positions turn over, so the budget is tested again and again
    Object.assign(p.pretrade!, { max_orders_per_minute: 10_000, duplicate_window_seconds: 0 });
  });
  edit('signals.yaml', (s) => {
    const t = s.triggers as { min_strength: number; by_regime: Record<string, Record<string, number>> };
    t.min_strength = 0;
    for (const r of Object.values(t.by_regime)) Object.assign(r, { price_move_15m_pct: 0.1, price_move_60m_pct: 0.2, momentum_min_pct: 0.3 });
    Object.assign((s.strategies as { rules: Record<string, unknown> }).rules, { risk_budget_pct: budgetPct, max_positions: 1000, min_conviction: 0.01 });
  });
  return dir;
}

interface Check {
  cycles: number;
  buys: number;
  budgetDenials: number;
  /** Largest (at risk after the cycle's entries) / (equity before the cycle), in %. */
  maxAtRiskPct: number;
  /** Cycles whose at-risk exceeded budget × equity (by more than a cent). */
  over: { timestamp: string; atRiskUsd: number; capUsd: number }[];
}

/**
 * Replays the records against the same books the loop saw (a second replay market on the same data,
 * at each cycle's time): holdings and cash from the fills, marks at the bid as the loop marks them.
 */
async function check(records: CycleRecord[], budgetPct: number, startingCash: number, policy: Policy): Promise<Check> {
  const clock = new VirtualClock(Date.parse(records[0]!.timestamp));
  const market = createReplayExchange({ data, clock });
  const held = new Map<string, number>();
  let cash = startingCash;
  const out: Check = { cycles: records.length, buys: 0, budgetDenials: 0, maxAtRiskPct: 0, over: [] };
  for (const r of records) {
    clock.advance(Date.parse(r.timestamp) - clock.now());
    const products = new Map((await market.listProducts()).map((p) => [p.symbol, p]));
    const value = (sym: string, qty: number) => qty * products.get(sym)!.bid;
    // Fills at the start of the cycle (orders placed earlier, stops and targets) are in the book the loop decides on.
    for (const o of r.orders.filter((x) => x.status === 'filled' || x.status === 'partially_filled')) {
      const gross = o.quantity * o.price!;
      if (o.side === 'buy') {
        cash -= gross + o.fee_usd;
        held.set(o.symbol, (held.get(o.symbol) ?? 0) + o.quantity);
        out.buys++;
      } else {
        cash += gross - o.fee_usd;
        const left = (held.get(o.symbol) ?? 0) - o.quantity;
        if (left > 1e-12) held.set(o.symbol, left);
        else held.delete(o.symbol);
      }
    }
    out.budgetDenials += Object.values(r.proposal_rejections).flat().filter((d) => d.startsWith('STRATEGY_BUDGET')).length;
    const heldValue = [...held].reduce((s, [sym, q]) => s + value(sym, q), 0);
    const equityBefore = cash + heldValue;
    const placed = r.orders.filter((x) => x.status === 'open' && x.side === 'buy');
    const entryCost = placed.reduce((s, o) => s + o.size_usd * entryCostFactor(policy, products.get(o.symbol)), 0);
    if (entryCost === 0) continue;
    // Exit orders placed this cycle do not free budget for its entries: the positions held count in full.
    const atRisk = heldValue + entryCost;
    const cap = (budgetPct * equityBefore) / 100;
    out.maxAtRiskPct = Math.max(out.maxAtRiskPct, (100 * atRisk) / equityBefore);
    if (atRisk > cap + 0.01) out.over.push({ timestamp: r.timestamp, atRiskUsd: atRisk, capUsd: cap });
  }
  return out;
}

async function backtest(budgetPct: number) {
  const configDir = config(budgetPct);
  const run = await runBacktest({ configDir, data, dataPath: dataDir, outDir: join(root, `out-${budgetPct}`), from: FROM + 2 * DAY, logger: silentLogger() });
  const records = readFileSync(run.auditFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CycleRecord & { event: string })
    .filter((x) => x.event === 'cycle');
  const policy = policySchema.parse(load(readFileSync(join(configDir, 'policy.yaml'), 'utf8')));
  return { run, records, check: await check(records, budgetPct, run.report.pnl.starting_equity_usd, policy) };
}

describe('strategy risk budget in a backtest', () => {
  it('the replayed market is volatile: it crashes at least once in the window', () => {
    const sim = createSimExchange({ seed: SEED, clock: new VirtualClock(FROM), startTime: FROM, symbols: SYMBOLS });
    const hours = Array.from({ length: (TO - FROM) / 3_600_000 }, (_, h) => sim.regimeAt(FROM + h * 3_600_000));
    expect(hours).toContain('crash');
  });

  it('a 3% budget then at risk after every cycle\'s entries, fees counted, stays within 3% of equity, and the budget was what held it', async () => {
    const { check: c } = await backtest(3);
    expect(c.buys).toBeGreaterThan(20);
    expect(c.budgetDenials).toBeGreaterThan(0);
    expect(c.over).toEqual([]);
    // It binds: entries fill the budget up to the cent (above 2.9%). Before issue 16, counting the entry at its
    // notional only (no fee, no fill slippage) went past it in 39 of these cycles (3.02%).
    expect(c.maxAtRiskPct).toBeLessThanOrEqual(3);
    expect(c.maxAtRiskPct).toBeGreaterThan(2.9);
  }, 120_000);

  it('the same market with the budget at 100% then at risk goes well past 3% (the test would catch a budget that is not enforced)', async () => {
    const { check: c } = await backtest(100);
    expect(c.maxAtRiskPct).toBeGreaterThan(6);
  }, 120_000);
});
