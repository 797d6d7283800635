/**
 * PAPER books fills at once, before the cycle record exists: an `order_intent` record goes first,
 * so a disk that fills mid-cycle cannot leave a fill the trail never mentions. (LIVE writes its own
 * intents around each send; DRY_RUN sends nothing; a backtest is regenerable.)
 */
import type { RunMode } from '../config/schema/app.ts';
import type { PlannedOrder } from '../core/types.ts';
import type { AuditSink } from '../execution/live.ts';
import { intentFields } from '../execution/intentRecord.ts';

/** Writes PAPER's order intents through the strict sink; false when one did not reach the log (nothing may be sent). */
export function writeAheadPaper(mode: RunMode, sink: AuditSink, orders: readonly PlannedOrder[], cycle: number): boolean {
  if (mode !== 'PAPER') return true;
  try {
    for (const o of orders) {
      sink({ event: 'order_intent', ...intentFields(o), cycle });
    }
    return true;
  } catch {
    return false;
  }
}
