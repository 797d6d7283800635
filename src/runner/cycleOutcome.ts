import type { CycleStatus } from '../core/auditRecord.ts';
import type { OrderOutcome, ProposalResult, RiskResult, TriggerResult, UniverseResult } from '../core/types.ts';

/** What a cycle got to before it stopped; undefined stages did not run. */
export interface CycleStages {
  universe?: UniverseResult;
  triggers?: TriggerResult;
  proposals?: ProposalResult;
  risk?: RiskResult;
  plannedCount?: number; // orders sized
  acceptedCount?: number; // orders past the pre-trade controls
  outcomes?: OrderOutcome[];
}

/** Reasons meaning the market offered nothing, as opposed to something being blocked. */
const NO_OPPORTUNITY = new Set(['empty_universe', 'no_candidates_from_triggers']);

/**
 * The cycle's no_trade_reason, from the first stage that came up empty. Null when an
 * order was executed. `stopped` is a reason decided before the pipeline (kill switch,
 * data_unavailable:…, exception:…).
 */
export function noTradeReason(s: CycleStages, stopped?: string): string | null {
  if (executedCount(s) > 0) return null;
  if (stopped) return stopped;
  if (!s.universe || s.universe.totalEligible === 0) return 'empty_universe';
  const exits = s.proposals?.proposals.some((p) => p.intent === 'exit') ?? false;
  if (!exits && (!s.triggers || s.triggers.triggers.length === 0)) return 'no_candidates_from_triggers';
  if (!s.proposals || s.proposals.proposals.length === 0) return 'rules_engine_no_proposals';
  if (!s.risk || s.risk.approved.length === 0) {
    if (s.risk?.trading === 'HALTED') return 'kill_switch';
    return 'all_proposals_blocked_by_risk';
  }
  if (!s.plannedCount) return 'no_orders_after_sizing';
  if (!s.acceptedCount) return 'all_orders_blocked_by_pretrade';
  if (s.outcomes && s.outcomes.some((o) => o.status === 'unknown')) return 'order_outcome_unknown';
  return 'all_orders_rejected';
}

export const executedCount = (s: CycleStages): number => s.outcomes?.filter((o) => o.success).length ?? 0;

/** EXECUTED when an order went through; NO_OPPORTUNITIES when the market offered nothing; NO_TRADE when something was blocked or failed. */
export function cycleStatus(reason: string | null): CycleStatus {
  if (reason === null) return 'EXECUTED';
  return NO_OPPORTUNITY.has(reason) ? 'NO_OPPORTUNITIES' : 'NO_TRADE';
}
