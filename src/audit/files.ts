/**
 * Names of the files that make up one audit log: the active file, its rotated
 * predecessors, the head file and the quarantine files. Shared by the writer and the readers.
 */
import { basename, dirname, join } from 'node:path';

/** `x.jsonl` → `x` (any other name is its own stem). */
export const stemOf = (activeName: string): string => (activeName.endsWith('.jsonl') ? activeName.slice(0, -'.jsonl'.length) : activeName);

/** The head file kept beside an active log: last seq and chain, rewritten atomically. */
export const headPathOf = (activeFile: string): string => `${activeFile}.head`;

/** A rotated file's name: `<stem>.<YYYY-MM-DD>[.<n>].jsonl[.gz]`. */
export function rotatedName(activeName: string, day: string, n: number, gz: boolean): string {
  return `${stemOf(activeName)}.${day}${n > 0 ? `.${n}` : ''}.jsonl${gz ? '.gz' : ''}`;
}

const ROTATED = /^(.*)\.(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl(\.gz)?$/;

/** What a file name says about its place in a log: which active file it belongs to and its order. */
export interface LogFileName {
  /** The active file this one belongs to (same directory). */
  active: string;
  /** Rotation day, '' for the active file (which sorts last). */
  day: string;
  n: number;
  gz: boolean;
}

/** Classifies a path as an active or a rotated audit log file. */
export function classify(path: string): LogFileName {
  const name = basename(path);
  const m = ROTATED.exec(name);
  if (m) return { active: join(dirname(path), `${m[1]}.jsonl`), day: m[2]!, n: m[3] ? Number(m[3]) : 0, gz: m[4] !== undefined };
  const gz = name.endsWith('.gz');
  return { active: gz ? path.slice(0, -3) : path, day: '', n: 0, gz };
}

/** Files a directory listing should treat as audit log data (not heads, temps or quarantines). */
export function isLogFileName(name: string): boolean {
  if (name.includes('.quarantine-') || name.includes('.head') || name.endsWith('.tmp')) return false;
  return name.endsWith('.jsonl') || name.endsWith('.jsonl.gz');
}

/** Orders files of one log oldest first: rotated by day and index, the active file last. */
export function compareLogFiles(a: LogFileName, b: LogFileName): number {
  if (a.day !== b.day) {
    if (a.day === '') return 1;
    if (b.day === '') return -1;
    return a.day < b.day ? -1 : 1;
  }
  return a.n - b.n;
}

/** UTC calendar day (YYYY-MM-DD) of an epoch-millisecond instant. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
