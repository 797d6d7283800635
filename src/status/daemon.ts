/** The daemon's status for the page and /api/status, built from what the loop exposes (TradingLoop.state()). */
import type { RunMode } from '../config/schema/app.ts';
import type { TradingState } from '../core/types.ts';
import type { Health } from '../metrics/health.ts';
import { round2 } from '../runner/cycleRecord.ts';
import { killSwitchPresent } from '../runner/killSwitch.ts';
import type { LoopState } from '../runner/loopState.ts';
import { positionViews, type PositionView } from './positions.ts';

/** What `/api/status` returns (JSON-ready). */
export interface DaemonStatus {
  instance_id: string;
  mode: RunMode;
  pid: number;
  code_version: string;
  started_at: string;
  uptime_seconds: number;
  health: Health;
  ready: boolean;
  interval_seconds: number;
  cycles_run: number;
  last_cycle_at: string | null;
  config_hash: string;
  config_hash_on_disk: string;
  config_drift: boolean;
  changed_files: string[];
  trading_state: TradingState;
  halt: { reason: string; by: string; since: string } | null;
  kill_switch_file: string;
  kill_switch_present: boolean;
  audit_file: string;
  audit_writable: boolean;
  /** seq of the latest audit record (null before the log is open). */
  audit_seq: number | null;
  /** The newest signed digest; 'off' without TRADER_AUDIT_SIGNING_KEY, null before the first. */
  audit_last_digest: { file: string; to_seq: number; created: string } | null | 'off';
  /** The seq served to the last /metrics scrape (what the Prometheus witness last saw), and when. */
  audit_last_witnessed: { seq: number; at: string } | null;
  log_dir: string;
  portfolio:
    | {
        cash_usd: number;
        equity_usd: number;
        daily_pnl_usd: number;
        weekly_pnl_usd: number;
        positions: PositionView[];
      }
    | undefined;
}

/** A plain snapshot of what the daemon is doing. No secrets. */
export function daemonStatus(s: LoopState): DaemonStatus {
  const { halt, portfolio: view } = s;
  return {
    instance_id: s.instanceId,
    mode: s.mode,
    pid: process.pid,
    code_version: s.codeVersion,
    started_at: new Date(s.startedAt).toISOString(),
    uptime_seconds: Math.round((Date.now() - s.startedAt) / 1000),
    health: s.health,
    ready: s.ready,
    interval_seconds: s.intervalSeconds,
    cycles_run: s.cyclesRun,
    last_cycle_at: s.lastCycleAt === null ? null : new Date(s.lastCycleAt).toISOString(),
    config_hash: s.configHash,
    config_hash_on_disk: s.drift.onDiskHash,
    config_drift: s.drift.drifted,
    changed_files: s.drift.changedFiles,
    trading_state: halt ? 'HALTED' : s.lastTrading,
    halt: halt && { reason: halt.reason, by: halt.by, since: new Date(halt.ts).toISOString() },
    kill_switch_file: s.killSwitchFile,
    kill_switch_present: killSwitchPresent(s.killSwitchFile),
    audit_file: s.auditFile,
    audit_writable: s.auditWritable,
    audit_seq: s.auditSeq,
    audit_last_digest: s.lastDigest,
    audit_last_witnessed: s.lastWitnessed,
    log_dir: s.logDir,
    portfolio: view && {
      cash_usd: round2(view.cashUsd),
      equity_usd: round2(view.equityUsd),
      daily_pnl_usd: round2(view.dailyPnlUsd),
      weekly_pnl_usd: round2(view.weeklyPnlUsd),
      positions: positionViews(view.positions, s.marks),
    },
  };
}
