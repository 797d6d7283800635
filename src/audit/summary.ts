/**
 * `audit summary`: per config_hash the record count, first and last timestamp, status counts,
 * orders executed and the code hashes its runs started with (from `startup` records), an
 * unstamped bucket, and the timeline of hash changes.
 * Counts match `jq -r .config_hash FILE | sort | uniq -c` (jq's `null` = our unstamped).
 */
import type { Worker } from 'node:worker_threads';
import type { LogGroup } from './read.ts';
import { type ChunkDone, type PartSummary, summarizeChunks, summarizePart, type SummaryJob } from './summaryPart.ts';
import { planParts, type SplitOptions, type Stretch, startWorker, threadCount } from './threads.ts';

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
 * Summarizes the given logs (all files of every group, in order). A large log is cut into chunks
 * (about CHUNKS_PER_THREAD per core): the main thread and a worker thread per other core take the next
 * chunk from a shared counter until none is left, so a thread that started late or ran slower takes
 * fewer (a fixed half each left the main thread idle ~0.1 s of a 0.8 s summary while the worker, which
 * starts ~40 ms later, finished). The chunks are joined in order: the same answer as one pass (see
 * summaryPart.ts).
 */
export async function summarize(groups: readonly LogGroup[], window: SummaryWindow = {}, split: SplitOptions = {}): Promise<Summary> {
  const files = groups.flatMap((g) => g.files);
  const chunks = groups.flatMap((g) => chunksOf(g.files, split));
  const parts: (PartSummary | undefined)[] = new Array(chunks.length);
  const next = new Int32Array(new SharedArrayBuffer(4));
  const job: SummaryJob = { chunks, next, window };
  const onMain = split.mainThread ?? true;
  const helpers = chunks.length < 2 ? [] : Array.from({ length: Math.min(chunks.length, split.maxParts ?? threadCount()) - (onMain ? 1 : 0) }, () => startSummary(job, parts));
  try {
    if (onMain) await summarizeChunks(job, (i, p) => (parts[i] = p));
    await Promise.all(helpers);
    // A chunk a failed thread took is summarized here.
    for (let i = 0; i < chunks.length; i++) parts[i] ??= await summarizePart(chunks[i]!, window);
  } finally {
    Atomics.store(next, 0, chunks.length); // a thread still running takes no more
  }
  return join(files, parts as PartSummary[]);
}

/** The chunks of one log: one when it is too small to share (threads.ts decides), else about CHUNKS_PER_THREAD per thread. */
function chunksOf(files: readonly string[], split: SplitOptions): Stretch[][] {
  return planParts(files, { ...split, perThread: CHUNKS_PER_THREAD }).map((p) => p.stretches);
}

/** Chunks per thread: enough that the last one taken costs little wall time (1 GB: ~40 MB, ~35 ms each). */
const CHUNKS_PER_THREAD = 12;

/** Joins the parts' summaries in order. */
function join(files: string[], parts: readonly PartSummary[]): Summary {
  const buckets = new Map<string | null, HashBucket>();
  const timeline: HashChange[] = [];
  let records = 0;
  let invalid = 0;
  let lastStamped: string | null = null;
  for (const p of parts) {
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
  return { files, records, invalid_lines: invalid, buckets: [...buckets.values()], timeline };
}

/** A worker thread taking chunks (summaryWorker.ts); resolves when it is done or failed (its chunks posted so far are kept). */
function startSummary(job: SummaryJob, parts: (PartSummary | undefined)[]): Promise<void> {
  return new Promise<void>((resolve) => {
    let worker: Worker;
    try {
      worker = startWorker('summaryWorker', job);
    } catch {
      return resolve();
    }
    worker.on('message', (m: ChunkDone | null) => {
      if (m === null) {
        resolve();
        void worker.terminate();
      } else parts[m.i] = m.part;
    });
    worker.once('error', () => resolve());
    worker.once('exit', () => resolve());
  });
}

/** Parses --since/--until: an ISO date or date-time, or a duration ago such as 30m, 24h, 7d. */
export function parseTimeArg(text: string, now = Date.now()): number | undefined {
  const rel = /^(\d+)([smhd])$/.exec(text.trim());
  if (rel) return now - Number(rel[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(t) ? undefined : t;
}
