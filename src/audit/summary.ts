/**
 * `audit summary`: per config_hash the record count, first and last timestamp, status counts,
 * orders executed and the code hashes its runs started with (from `startup` records), an
 * unstamped bucket, and the timeline of hash changes.
 * Counts match `jq -r .config_hash FILE | sort | uniq -c` (jq's `null` = our unstamped).
 */
import { type LogGroup, readBlocks } from './read.ts';
import { LineScanner, type ScannedRecord } from './scan.ts';

/** One config_hash (null = unstamped: the field absent or null). */
export interface HashBucket {
  config_hash: string | null;
  records: number;
  first: string | null;
  last: string | null;
  status: Record<string, number>;
  orders_executed: number;
  /** Distinct code_hash values of the `startup` records under this config hash, in order of appearance. */
  code_hashes: string[];
}

/** A change of the stamped hash between consecutive stamped records. */
export interface HashChange {
  timestamp: string | null;
  from: string | null;
  to: string;
}

/** The whole answer of `audit summary`. */
export interface Summary {
  files: string[];
  records: number;
  /** Lines that were not a JSON object (not counted in any bucket). */
  invalid_lines: number;
  buckets: HashBucket[];
  timeline: HashChange[];
}

/** Time window, epoch ms, since inclusive and until exclusive. */
export interface SummaryWindow {
  since?: number;
  until?: number;
}

/** Summarizes the given logs (all files of every group, in order). */
export async function summarize(groups: readonly LogGroup[], window: SummaryWindow = {}): Promise<Summary> {
  const buckets = new Map<string | null, HashBucket>();
  const timeline: HashChange[] = [];
  const files: string[] = [];
  const filtered = window.since !== undefined || window.until !== undefined;
  let records = 0;
  let invalid = 0;
  let lastStamped: string | null = null;
  // The previous record's bucket: consecutive records mostly share a hash, skip the Map.
  let cur: HashBucket | undefined;

  const onRecord = (r: ScannedRecord) => {
    if (r.invalid) {
      invalid++;
      return;
    }
    const ts = r.timestamp ?? null;
    if (filtered) {
      const t = ts === null ? Number.NaN : Date.parse(ts);
      if (Number.isNaN(t) || (window.since !== undefined && t < window.since) || (window.until !== undefined && t >= window.until)) return;
    }
    records++;
    const hash = r.config_hash ?? null;
    let b = cur !== undefined && cur.config_hash === hash ? cur : buckets.get(hash);
    if (b === undefined) {
      b = { config_hash: hash, records: 0, first: ts, last: ts, status: {}, orders_executed: 0, code_hashes: [] };
      buckets.set(hash, b);
    }
    cur = b;
    b.records++;
    if (ts !== null) {
      if (b.first === null) b.first = ts;
      b.last = ts;
    }
    if (r.status !== undefined) b.status[r.status] = (b.status[r.status] ?? 0) + 1;
    b.orders_executed += r.executed;
    if (r.code_hash !== undefined && !b.code_hashes.includes(r.code_hash)) b.code_hashes.push(r.code_hash);
    if (hash !== null && hash !== lastStamped) {
      timeline.push({ timestamp: ts, from: lastStamped, to: hash });
      lastStamped = hash;
    }
  };

  for (const g of groups) {
    for (const file of g.files) {
      files.push(file);
      // code_hash is on startup records only: one search per block finds them all.
      const scanner = new LineScanner(['config_hash', 'timestamp', 'status', 'code_hash']);
      for await (const block of readBlocks(file)) scanner.scan(block.buf, block.end, onRecord);
    }
  }
  return { files, records, invalid_lines: invalid, buckets: [...buckets.values()], timeline };
}

/** Parses --since/--until: an ISO date or date-time, or a duration ago such as 30m, 24h, 7d. */
export function parseTimeArg(text: string, now = Date.now()): number | undefined {
  const rel = /^(\d+)([smhd])$/.exec(text.trim());
  if (rel) return now - Number(rel[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(t) ? undefined : t;
}
