/**
 * The CLI's control requests (pause, resume, exit, flatten) as the loop takes them at the start of
 * a cycle: each applied through the ControlDesk (recorded before it takes effect); a malformed file
 * or a refused action is recorded too. A backtest replays history: the daemon's requests are not about it.
 */
import type { RunMode } from '../config/schema/app.ts';
import type { AuditEvent } from '../core/auditRecord.ts';
import { ControlRefused, type ControlDesk } from '../control/desk.ts';
import { takeControlRequests } from '../control/requests.ts';
import type { Logger } from '../log.ts';

/** Options of applyFiledRequests. */
export interface FiledRequestsIntake {
  mode: RunMode;
  /** The state dir the CLI files its requests under. */
  dataDir: string;
  desk: ControlDesk;
  log: Logger;
  write: (event: Exclude<AuditEvent, 'cycle'>, fields: Record<string, unknown>) => void;
}

/** Applies the requests filed since the last cycle, oldest first. */
export function applyFiledRequests(o: FiledRequestsIntake): void {
  if (o.mode === 'BACKTEST') return;
  for (const t of takeControlRequests(o.dataDir)) {
    if (!t.ok) {
      o.log.warn({ file: t.file, problems: t.problems }, 'control request file ignored');
      o.write('control', { source: 'cli', refused: 'bad_request', error: t.problems.join('; ') });
      continue;
    }
    const { at, ...body } = t.request;
    try {
      const r = o.desk.apply({ ...body, source: 'cli' });
      o.log.warn({ action: r.action, by: body.by, seq: r.seq, changed: r.changed, requested_at: at }, `control: ${r.action} by ${body.by}`);
    } catch (e) {
      if (!(e instanceof ControlRefused)) throw e;
      o.log.warn({ action: body.action, by: body.by, refused: e.code }, e.message);
      o.write('control', { action: body.action, by: body.by, reason: body.reason, source: 'cli', ...(body.symbol && { symbol: body.symbol }), refused: e.code, error: e.message });
    }
  }
}
