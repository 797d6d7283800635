/**
 * The TradingLoop as a backtest runs it. One difference, and only in what is recorded:
 * `stage_latencies` are wall-clock measurements, so two replays of the same data would never
 * write the same bytes. In a backtest no virtual time passes inside a cycle, so every stage is
 * recorded as 0 s (same keys, same order); the real timings go to `wallLatencies` for profiling.
 *
 * This is a stop-gap: the loop itself should time stages with its clock in virtual runs (see the
 * report of issue 8). When it does, this class becomes a plain TradingLoop.
 */
import type { CycleRecord } from '../core/auditRecord.ts';
import { TradingLoop } from '../runner/mainLoop.ts';

type AuditPayload = Parameters<TradingLoop['auditCycle']>[0];

/** A TradingLoop whose cycle records are byte-reproducible. */
export class BacktestLoop extends TradingLoop {
  /** Seconds per stage summed over the run (wall clock): for progress output and the benchmark, never for records. */
  readonly wallLatencies: Record<string, number> = {};

  override auditCycle(payload: AuditPayload): void {
    const measured: Record<string, number> = payload.stage_latencies ?? {};
    const zeroed: Record<string, number> = {};
    for (const [stage, s] of Object.entries(measured)) {
      this.wallLatencies[stage] = (this.wallLatencies[stage] ?? 0) + s;
      zeroed[stage] = 0;
    }
    super.auditCycle({ ...payload, stage_latencies: zeroed } as AuditPayload);
  }
}

export type { CycleRecord };
