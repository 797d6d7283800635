/**
 * Bounded label values. Every distinct label value is a new time series in Prometheus, so
 * free text (a no_trade_reason like `data_unavailable:candles`, an exception name, a legacy
 * "Global trade spacing active (33s remaining…)") must map onto a fixed set first.
 */

/** The no_trade_reason codes a dashboard can tell apart; anything else counts as `other`. */
export const NO_TRADE_REASONS = [
  // decided by the pipeline (src/runner/cycleOutcome.ts)
  'empty_universe',
  'no_candidates_from_triggers',
  'rules_engine_no_proposals',
  'kill_switch',
  'all_proposals_blocked_by_risk',
  'no_orders_after_sizing',
  'order_outcome_unknown',
  'all_orders_rejected',
  'all_orders_blocked_by_pretrade',
  // decided before or around the pipeline; the part after ':' is dropped
  'audit_unavailable',
  'data_unavailable',
  'circuit_open',
  'unresolved_orders',
  'open_order_exists',
  'exception',
  'halted',
  'other',
] as const;

/** Stage names the TradingLoop times (StageTimer keys in src/runner/mainLoop.ts). */
export const STAGES = ['reconcile', 'market_data', 'fills', 'universe', 'candles', 'book_check', 'triggers', 'proposals', 'risk', 'orders', 'execution', 'other'] as const;

/** Cycle statuses of the audit record. */
export const CYCLE_STATUSES = ['EXECUTED', 'NO_TRADE', 'NO_OPPORTUNITIES', 'other'] as const;

export const ORDER_SIDES = ['buy', 'sell', 'other'] as const;

/** OrderOutcome.status values (src/core/types.ts). */
export const ORDER_OUTCOMES = ['recorded', 'filled', 'partially_filled', 'open', 'rejected', 'unknown', 'cancelled', 'other'] as const;

export const TRADING_STATES = ['ACTIVE', 'REDUCING', 'HALTED'] as const;

/** Returns `value` when it is one of `allowed`, else `other`. */
function bounded<T extends string>(allowed: readonly T[], value: string): T {
  return (allowed as readonly string[]).includes(value) ? (value as T) : ('other' as T);
}

/** `data_unavailable:candles` → `data_unavailable`; unknown text → `other`. */
export const noTradeReasonLabel = (reason: string): (typeof NO_TRADE_REASONS)[number] =>
  bounded(NO_TRADE_REASONS, reason.split(':', 1)[0]!.trim());

export const stageLabel = (stage: string) => bounded(STAGES, stage);
export const statusLabel = (status: string) => bounded(CYCLE_STATUSES, status);
export const sideLabel = (side: string) => bounded(ORDER_SIDES, side.toLowerCase());
export const outcomeLabel = (outcome: string) => bounded(ORDER_OUTCOMES, outcome);
