/**
 * The last N cycle records of an audit log, for /api/cycles. Reads backwards from the end
 * (src/audit/tail.ts), so the cost depends on N, not on the size of the log.
 */
import { tailLines } from '../audit/tail.ts';
import { findAuditLog } from './auditLog.ts';

/** A record as parsed from the log. */
export type AuditLine = Record<string, unknown>;

/**
 * Lifecycle records sit between cycles (startup, config_drift on every cycle while drifted,
 * order intents and outcomes): a first read of this many lines per wanted cycle is usually enough.
 */
const LINES_PER_CYCLE = 3;
/** Give up widening the window past this many lines per wanted cycle (a log of almost no cycles). */
const MAX_LINES_PER_CYCLE = 256;

/** A cycle record: `event: "cycle"`, or (the earlier bot's logs) no event but a status. */
export const isCycle = (r: AuditLine): boolean => r.event === 'cycle' || (r.event === undefined && typeof r.status === 'string');

function parse(text: string): AuditLine | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as AuditLine) : undefined;
  } catch {
    return undefined; // a torn or foreign line is not a cycle
  }
}

/** The last `limit` cycle records of the log whose active file is `auditFile`, oldest first. */
export async function lastCycles(auditFile: string, limit: number): Promise<AuditLine[]> {
  const log = findAuditLog(auditFile);
  if (!log) return [];
  let want = limit * LINES_PER_CYCLE + 8;
  for (;;) {
    const lines = await tailLines(log, want);
    const cycles: AuditLine[] = [];
    for (const text of lines) {
      const r = parse(text);
      if (r && isCycle(r)) cycles.push(r);
    }
    const exhausted = lines.length < want || want >= limit * MAX_LINES_PER_CYCLE;
    if (cycles.length >= limit || exhausted) return cycles.slice(-limit);
    want *= 4;
  }
}
