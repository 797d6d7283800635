/** A worker thread of `audit summary`: takes chunks of the job (summaryPart.ts), posts each chunk's summary, then null. */
import { parentPort, workerData } from 'node:worker_threads';
import { type ChunkDone, summarizeChunks, type SummaryJob } from './summaryPart.ts';

await summarizeChunks(workerData as SummaryJob, (i, part) => parentPort!.postMessage({ i, part } satisfies ChunkDone));
parentPort!.postMessage(null);
