/**
 * `audit summary`: per config_hash the record count, first and last timestamp, status counts,
 * orders executed and the code hashes its runs started with (from `startup` records), an
 * unstamped bucket, and the timeline of hash changes.
 * Counts match `jq -r .config_hash FILE | sort | uniq -c` (jq's `null` = our unstamped).
 */
import type { Worker } from 'node:worker_threads';
import type { LogGroup } from './read.ts';
import { type PartSummary, summarizePart, type SummaryJob } from './summaryPart.ts';
import { planParts, type SplitOptions, startWorker, workerResult } from './threads.ts';

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

/**
 * Summarizes the given logs (all files of every group, in order). A large log is cut into one part
 * per core (threads.ts): the main thread summarizes the first while worker threads do the others,
 * and the parts are joined in order (the same answer as one pass; see summaryPart.ts).
 */
export async function summarize(groups: readonly LogGroup[], window: SummaryWindow = {}, split: SplitOptions = {}): Promise<Summary> {
  const files = groups.flatMap((g) => g.files);
  // A log's first part is summarized here, the parts it was cut into after that on worker threads.
  const jobs = groups.flatMap((g) => planParts(g.files, split).map((p, k) => ({ job: { stretches: p.stretches, window }, onWorker: k > 0 })));
  const workers = jobs.map(({ job, onWorker }) => (onWorker ? startSummary(job) : undefined));
  const buckets = new Map<string | null, HashBucket>();
  const timeline: HashChange[] = [];
  let records = 0;
  let invalid = 0;
  let lastStamped: string | null = null;
  try {
    for (let i = 0; i < jobs.length; i++) {
      const p = (await workers[i]?.result) ?? (await summarizePart(jobs[i]!.job));
      records += p.records;
      invalid += p.invalid;
      for (const b of p.buckets) {
        const into = buckets.get(b.config_hash);
        if (!into) {
          buckets.set(b.config_hash, b);
          continue;
        }
        into.records += b.records;
        if (into.first === null) into.first = b.first;
        if (b.last !== null) into.last = b.last;
        for (const [status, n] of Object.entries(b.status)) into.status[status] = (into.status[status] ?? 0) + n;
        into.orders_executed += b.orders_executed;
        for (const c of b.code_hashes) if (!into.code_hashes.includes(c)) into.code_hashes.push(c);
      }
      // The part's first change is from null: drop it when the hash goes on from the part before, else say from what.
      const [first, ...rest] = p.timeline;
      if (first && first.to !== lastStamped) timeline.push({ ...first, from: lastStamped });
      timeline.push(...rest);
      lastStamped = p.lastStamped ?? lastStamped;
    }
  } finally {
    for (const w of workers) void w?.worker.terminate();
  }
  return { files, records, invalid_lines: invalid, buckets: [...buckets.values()], timeline };
}

/** A part summarized on a worker thread; undefined when the thread failed (the part is then summarized here). */
function startSummary(job: SummaryJob): { worker: Worker; result: Promise<PartSummary | undefined> } | undefined {
  try {
    const worker = startWorker('summaryWorker', job);
    return { worker, result: workerResult<PartSummary>(worker).catch(() => undefined) };
  } catch {
    return undefined;
  }
}

/** Parses --since/--until: an ISO date or date-time, or a duration ago such as 30m, 24h, 7d. */
export function parseTimeArg(text: string, now = Date.now()): number | undefined {
  const rel = /^(\d+)([smhd])$/.exec(text.trim());
  if (rel) return now - Number(rel[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(t) ? undefined : t;
}
