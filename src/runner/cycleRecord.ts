/** The cycle record: what each stage got to, in the field names of the earlier bot's log (its jq queries keep working). */
import type { CycleRecord, RecordBase } from '../core/auditRecord.ts';
import type { OrderOutcome, PortfolioView, TradingState } from '../core/types.ts';
import { cycleStatus, executedCount, type CycleStages } from './cycleOutcome.ts';

/** What buildCycleRecord needs: the stamped base, the stages that ran and the book after them. */
export interface CycleFacts {
  base: RecordBase & { event: 'cycle' };
  cycle: number;
  stages: CycleStages;
  reason: string | null;
  trading: TradingState;
  portfolio: PortfolioView;
  latencies: Record<string, number>;
}

/** Builds the `cycle` record from the stages (null sections for stages that did not run). */
export function buildCycleRecord(c: CycleFacts): CycleRecord {
  const { stages: s, portfolio: p, base: b } = c;
  const outcomes: OrderOutcome[] = s.outcomes ?? [];
  // One literal with every field, the base's copied by name: a spread followed by this many fields
  // made V8 turn each record into a slow dictionary object (13 µs to build, and slower to copy and
  // serialize). An absent config_hash_on_disk is an undefined field, which JSON leaves out.
  return {
    timestamp: b.timestamp,
    event: b.event,
    instance_id: b.instance_id,
    mode: b.mode,
    config_hash: b.config_hash,
    config_hash_on_disk: b.config_hash_on_disk,
    code_version: b.code_version,
    cycle: c.cycle,
    status: cycleStatus(c.reason),
    no_trade_reason: c.reason,
    trading_state: c.trading,
    stage_latencies: c.latencies,
    pnl: {
      daily_usd: round2(p.dailyPnlUsd),
      weekly_usd: round2(p.weeklyPnlUsd),
      open_positions: p.positions.length,
      consecutive_losses: p.consecutiveLosses,
      equity_usd: round2(p.equityUsd),
      cash_usd: round2(p.cashUsd),
    },
    universe: s.universe
      ? {
          total_eligible: s.universe.totalEligible,
          tier_1: s.universe.byTier.tier_1.length,
          tier_2: s.universe.byTier.tier_2.length,
          tier_3: s.universe.byTier.tier_3.length,
          excluded: s.universe.excluded,
        }
      : null,
    triggers: s.triggers
      ? {
          count: s.triggers.triggers.length,
          regime: s.triggers.regime,
          top_3: s.triggers.triggers.slice(0, 3).map((t) => ({ symbol: t.symbol, type: t.type, strength: round3(t.strength) })),
          skipped: s.triggers.skipped,
        }
      : null,
    proposals: {
      base_count: s.proposals?.proposals.length ?? 0,
      risk_approved_count: s.risk?.approved.length ?? 0,
      final_executed_count: executedCount(s),
    },
    risk_violations: s.risk?.violations ?? [],
    proposal_rejections: { ...(s.proposals?.rejections ?? {}), ...(s.risk?.rejections ?? {}) },
    orders: outcomes,
  };
}

/** Dollars to the cent. */
export const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
