/**
 * Splitting a large log between threads, shared by `audit verify` and `audit summary`: where to cut
 * (whole lines, about equal parts) and how to start a worker. Why threads: on the 2-core target one
 * thread reading, scanning and hashing 1 GB leaves a core idle; two halves run side by side.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Bytes [from, to) of one file, whole lines; `lastFile`: the log's active (last) file. */
export interface Stretch {
  file: string;
  from: number;
  to: number;
  lastFile: boolean;
  /** This stretch starts its file: line numbers restart at 1. */
  fileStart: boolean;
}

/** A log's stretches cut into consecutive parts; `ctx` is the line right before a part (not the first). */
export interface Part {
  stretches: Stretch[];
  /** The bytes of the line before the part's first byte (latin1), for the parts after the first. */
  ctx?: Buffer;
}

/**
 * Below this many bytes a log is read by one thread: starting a worker (~40 ms compiled, more under
 * tsx) costs more than it saves.
 */
const MIN_PART_BYTES = 64 << 20;

/** The longest line before a cut that is looked back for. */
const CTX_WINDOW = 1 << 20;
/** Looked at first: a few of our lines (a summary cuts 1 GB into ~24 chunks, each cut a read). */
const NEAR_WINDOW = 64 << 10;

/** The threads to use: one per core. */
export const threadCount = (): number => Math.max(1, Math.min(8, availableParallelism()));

/** How a log is cut: one part per thread, threads for at least `minPartBytes` each, at most `maxParts` of them (tests set both small or many). */
export interface SplitOptions {
  minPartBytes?: number;
  /** Default: one per core. */
  maxParts?: number;
  /** Parts per thread (default 1): `audit summary` cuts more, smaller parts that its threads take in turn. */
  perThread?: number;
  /** `audit summary`: the main thread takes chunks too (default); tests set false so that worker threads do all. */
  mainThread?: boolean;
}

/**
 * Cuts the files (in order, one log) into parts of about equal bytes at line boundaries inside files.
 * Only plain files split (not .gz, not stdin): anything else is one part.
 */
export function planParts(files: readonly string[], split: SplitOptions = {}): Part[] {
  const whole = files.map((file, i) => ({ file, from: 0, to: Number.POSITIVE_INFINITY, lastFile: i === files.length - 1, fileStart: true }));
  if (files.some((f) => f === '-' || f.endsWith('.gz'))) return [{ stretches: whole }];
  const sizes = files.map((f) => statSync(f).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const threads = Math.min(split.maxParts ?? threadCount(), Math.floor(total / (split.minPartBytes ?? MIN_PART_BYTES)));
  if (threads < 2) return [{ stretches: whole }];
  const n = threads * (split.perThread ?? 1);
  // Cut points as (file index, byte offset just after a newline), with the line before each.
  const cuts: { fi: number; at: number; ctx: Buffer }[] = [];
  let base = 0;
  let fi = 0;
  for (let k = 1; k < n; k++) {
    const target = Math.floor((total * k) / n);
    while (base + sizes[fi]! <= target) base += sizes[fi++]!;
    const cut = cutNear(files[fi]!, target - base, sizes[fi]!, NEAR_WINDOW) ?? cutNear(files[fi]!, target - base, sizes[fi]!, CTX_WINDOW);
    if (cut && (cuts.length === 0 || cuts.at(-1)!.fi !== fi || cuts.at(-1)!.at < cut.at)) cuts.push({ fi, ...cut });
  }
  const parts: Part[] = [];
  let from = { fi: 0, at: 0 };
  for (const c of [...cuts, { fi: files.length - 1, at: Number.POSITIVE_INFINITY, ctx: undefined }]) {
    const stretches: Stretch[] = [];
    for (let i = from.fi; i <= c.fi; i++) {
      const start = i === from.fi ? from.at : 0;
      const end = i === c.fi ? c.at : Number.POSITIVE_INFINITY;
      stretches.push({ file: files[i]!, from: start, to: end, lastFile: i === files.length - 1, fileStart: start === 0 });
    }
    const prev = cuts[parts.length - 1];
    parts.push({ stretches, ...(prev && { ctx: prev.ctx }) });
    from = c;
  }
  return parts;
}

/** The first line start after `offset` (not the file's end) and the line before it; undefined when that line is longer than the window. */
function cutNear(file: string, offset: number, size: number, window: number): { at: number; ctx: Buffer } | undefined {
  const start = Math.max(0, offset - window);
  const buf = Buffer.allocUnsafe(Math.min(size, offset + window) - start);
  const fd = openSync(file, 'r');
  let len = 0;
  try {
    for (let n = 1; n > 0 && len < buf.length; len += n) n = readSync(fd, buf, len, buf.length - len, start + len);
  } finally {
    closeSync(fd);
  }
  const nl = buf.indexOf(10, offset - start);
  if (nl < 0 || nl >= len || start + nl + 1 >= size) return undefined;
  const prevNl = nl === 0 ? -1 : buf.lastIndexOf(10, nl - 1);
  if (prevNl < 0 && start > 0) return undefined;
  return { at: start + nl + 1, ctx: Buffer.from(buf.subarray(prevNl + 1, nl)) };
}

/**
 * Starts the worker module `name` (beside this file) with `data`. A compiled build loads the .js; under
 * tsx or vitest (this file is .ts) a Node 20 worker does not inherit the loader, so the thread first
 * registers tsx's hooks, then imports the TypeScript entry (as src/backtest/sweep/pool.ts does).
 */
export function startWorker(name: string, data: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`, { eval: true, workerData: data });
}

/** The one message a worker posts, or its error; the worker is ended after. */
export function workerResult<T>(w: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    w.once('message', (m: T) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`audit worker thread exited (${code}) before it answered`)));
  });
}
