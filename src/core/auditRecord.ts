/** The shape of audit records. Field names of cycle records follow the earlier bot's log, so its jq queries keep working. */
import type { RunMode } from '../config/schema/app.ts';
import type { OrderOutcome, Regime, TradingState, TriggerResult, TriggerType, UniverseResult } from './types.ts';

export type AuditEvent =
  | 'cycle'
  | 'startup'
  | 'shutdown'
  | 'config_drift'
  | 'reconcile'
  | 'halt'
  | 'resume'
  | 'control'
  | 'order_intent'
  | 'order_outcome'
  | 'order_unknown'
  | 'venue_stop'
  | 'audit_recovered'
  | 'digest';

export type CycleStatus = 'NO_TRADE' | 'EXECUTED' | 'NO_OPPORTUNITIES';

/** Fields every record carries (the writer adds `seq` and `chain`). */
export interface RecordBase {
  timestamp: string; // ISO-8601 UTC
  event: AuditEvent;
  instance_id: string;
  mode: RunMode;
  config_hash: string;
  /** Present only while the hashed files on disk differ from what was loaded. */
  config_hash_on_disk?: string;
  code_version: string;
}

export interface CycleRecord extends RecordBase {
  event: 'cycle';
  cycle: number;
  status: CycleStatus;
  no_trade_reason: string | null;
  trading_state: TradingState;
  stage_latencies: Record<string, number>; // seconds
  pnl: { daily_usd: number; weekly_usd: number; open_positions: number; consecutive_losses: number; equity_usd: number; cash_usd: number };
  /** `excluded`: every configured or held symbol left out this cycle, with its reason code and the numbers behind it. */
  universe: { total_eligible: number; tier_1: number; tier_2: number; tier_3: number; excluded: UniverseResult['excluded'] } | null;
  /** `skipped`: eligible symbols the trigger scan did not evaluate (bad or stale candles, too little history, ATR filter). */
  triggers: { count: number; regime: Regime; top_3: { symbol: string; type: TriggerType; strength: number }[]; skipped: TriggerResult['skipped'] } | null;
  proposals: { base_count: number; risk_approved_count: number; final_executed_count: number };
  risk_violations: string[];
  proposal_rejections: Record<string, string[]>;
  orders: OrderOutcome[];
}

/** Any record: a cycle or a lifecycle event with its own fields. */
export type AuditRecord = CycleRecord | (RecordBase & { event: Exclude<AuditEvent, 'cycle'>; [k: string]: unknown });
