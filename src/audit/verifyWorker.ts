/** A worker thread of `audit verify`: checks the part of the log it is given (verifyPart.ts) and posts the result. */
import { parentPort, workerData } from 'node:worker_threads';
import { checkPart, type PartJob } from './verifyPart.ts';

parentPort!.postMessage(await checkPart(workerData as PartJob));
