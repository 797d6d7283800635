/**
 * Finds the files of the daemon's audit log (the active file and its rotated predecessors,
 * oldest first) with the audit readers' own grouping rules.
 */
import { dirname, resolve } from 'node:path';
import { type LogGroup, resolveInputs } from '../audit/read.ts';

/** The log whose active file is `auditFile`; undefined while nothing has been written yet. */
export function findAuditLog(auditFile: string): LogGroup | undefined {
  const active = resolve(auditFile);
  let groups: LogGroup[];
  try {
    groups = resolveInputs([dirname(active)]);
  } catch {
    return undefined; // no directory or no log files in it yet
  }
  return groups.find((g) => g.key === active);
}
