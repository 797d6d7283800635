/** What the loop exposes about itself (TradingLoop.state()), raw: no rounding, no ISO times, no prose. */
import type { RunMode } from '../config/schema/app.ts';
import type { DriftStatus } from '../config/drift.ts';
import type { PortfolioView, TradingState } from '../core/types.ts';
import type { Health } from '../metrics/health.ts';
import type { HaltInfo } from '../state/types.ts';

/** What the loop is doing, raw; src/status/daemon.ts turns it into the status page's snapshot. */
export interface LoopState {
  instanceId: string;
  mode: RunMode;
  codeVersion: string;
  startedAt: number;
  health: Health;
  ready: boolean;
  intervalSeconds: number;
  cyclesRun: number;
  lastCycleAt: number | null;
  configHash: string;
  drift: DriftStatus;
  /** The trading state of the last cycle (a latched halt overrides it). */
  lastTrading: TradingState;
  halt: HaltInfo | null;
  killSwitchFile: string;
  auditFile: string;
  auditWritable: boolean;
  /** seq of the latest record (null while the log is not open). */
  auditSeq: number | null;
  /** The newest signed digest; 'off' without TRADER_AUDIT_SIGNING_KEY, null before the first. */
  lastDigest: { file: string; to_seq: number; created: string } | null | 'off';
  /** The seq served to the last /metrics request (what a scraping witness last saw), and when. */
  lastWitnessed: { seq: number; at: string } | null;
  logDir: string;
  /** The book at the current time at the last cycle's marks; undefined before start and after stop. */
  portfolio: PortfolioView | undefined;
  /** The last cycle's bid per symbol (unrealized PnL, distance to stop). */
  marks: Record<string, number>;
}
