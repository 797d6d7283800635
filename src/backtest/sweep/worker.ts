/**
 * A sweep worker thread: parses the candle files once (the first job names them), then runs the
 * jobs it is sent, one at a time, and posts each result back. `abort` stops the job in progress
 * after its current cycle (nothing of it is written). Messages are the types in pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import { describeFailure } from '../../errors.ts';
import { loadReplayData, type ReplayData } from '../../exchange/replay/index.ts';
import { BacktestInterrupted } from '../runner.ts';
import { runJob } from './job.ts';
import type { FromWorker, ToWorker } from './pool.ts';

const port = parentPort!;
let data: { path: string; data: ReplayData } | undefined;
const controller = new AbortController(); // a worker serves one sweep and ends with it
let queue: Promise<void> = Promise.resolve();

const post = (m: FromWorker) => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  if (m.type === 'abort') {
    controller.abort();
    return;
  }
  queue = queue.then(async () => {
    if (controller.signal.aborted) return post({ type: 'interrupted', key: m.key });
    try {
      if (!data || data.path !== m.job.dataPath) data = { path: m.job.dataPath, data: loadReplayData(m.job.dataPath, { skipBadRows: m.skipBadRows }) };
      post({ type: 'result', key: m.key, result: await runJob(m.job, data.data, controller.signal) });
    } catch (e) {
      if (e instanceof BacktestInterrupted) post({ type: 'interrupted', key: m.key });
      else post({ type: 'failed', key: m.key, message: describeFailure(e).message });
    }
  });
});
