/**
 * A pool of worker threads running sweep jobs: each worker parses the candles once and takes the
 * next job when it finishes one, so slow and fast candidates balance out. Aborting stops handing
 * out jobs, asks every busy worker to stop after its current cycle (nothing of an interrupted job
 * is written) and ends the threads; finished results stay stored, so a rerun resumes.
 */
import { Worker } from 'node:worker_threads';
import type { JobResult, SweepJob } from './job.ts';

/** A message to a worker. */
export type ToWorker = { type: 'job'; key: number; job: SweepJob; skipBadRows: boolean } | { type: 'abort' };
/** A message from a worker: a job's result, its failure, or its interruption. */
export type FromWorker =
  | { type: 'result'; key: number; result: JobResult }
  | { type: 'failed'; key: number; message: string }
  | { type: 'interrupted'; key: number };

/** Options for runPool. */
export interface PoolOptions {
  jobs: readonly SweepJob[];
  workers: number;
  skipBadRows: boolean;
  signal?: AbortSignal;
  /** Called after each finished (or failed) job. */
  onDone?: (done: number, total: number) => void;
}

/** Results by job index; failures by job index with their message; whether the pool was aborted. */
export interface PoolOutcome {
  results: Map<number, JobResult>;
  failed: Map<number, string>;
  interrupted: boolean;
}

/**
 * A worker thread. Under tsx (this file is .ts) a worker does not inherit the parent's loader on
 * Node 20, so the thread first registers tsx's ESM hooks, then imports the TypeScript entry; a
 * compiled build loads worker.js directly.
 */
function spawnWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url));
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
}

/** Runs the jobs on up to `workers` threads. */
export function runPool(o: PoolOptions): Promise<PoolOutcome> {
  const outcome: PoolOutcome = { results: new Map(), failed: new Map(), interrupted: false };
  const total = o.jobs.length;
  if (total === 0) return Promise.resolve(outcome);
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    const busy = new Set<Worker>();
    let next = 0;
    let done = 0;
    let finished = false;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      o.signal?.removeEventListener('abort', onAbort);
      void Promise.all(workers.map((w) => w.terminate())).then(() => (err ? reject(err) : resolve(outcome)));
    };
    const dispatch = (w: Worker) => {
      if (outcome.interrupted || next >= total) {
        busy.delete(w);
        if (busy.size === 0) finish();
        return;
      }
      const key = next++;
      busy.add(w);
      w.postMessage({ type: 'job', key, job: o.jobs[key]!, skipBadRows: o.skipBadRows } satisfies ToWorker);
    };
    const onAbort = () => {
      outcome.interrupted = true;
      for (const w of busy) w.postMessage({ type: 'abort' } satisfies ToWorker);
      if (busy.size === 0) finish();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const n = Math.max(1, Math.min(o.workers, total));
    for (let i = 0; i < n; i++) {
      const w = spawnWorker();
      workers.push(w);
      w.on('message', (m: FromWorker) => {
        if (m.type === 'result') outcome.results.set(m.key, m.result);
        else if (m.type === 'failed') outcome.failed.set(m.key, m.message);
        if (m.type !== 'interrupted') o.onDone?.(++done, total);
        dispatch(w);
      });
      w.on('error', (e) => finish(new Error(`sweep worker failed: ${e.message}`, { cause: e })));
      w.on('exit', (code) => {
        if (!finished && code !== 0) finish(new Error(`sweep worker exited with code ${code}`));
      });
      dispatch(w);
    }
    if (o.signal?.aborted) onAbort();
  });
}
