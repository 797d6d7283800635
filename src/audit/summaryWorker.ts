/** A worker thread of `audit summary`: summarizes the part of the logs it is given (summaryPart.ts) and posts it. */
import { parentPort, workerData } from 'node:worker_threads';
import { summarizePart, type SummaryJob } from './summaryPart.ts';

parentPort!.postMessage(await summarizePart(workerData as SummaryJob));
