/**
 * Reads every digest of a log and checks its signature on a worker thread, while the main thread
 * rehashes the log for `audit verify --digests`. Why a thread: a digest costs two small-file reads
 * and one Ed25519 verify; on the loaded 2-core dev VM 33,000 small reads took 0.7–1.4 s and a
 * verify about 0.4 ms, so the bench's 16,667 digests (hourly at one record a minute) cost seconds
 * in line, against a few seconds for rehashing the 1M records. The main thread's hashing never yields
 * to the event loop (blocks are handed over as microtasks), so thread-pool I/O would not overlap
 * with it; a worker does. The worker is plain JavaScript (eval) so it runs the same under tsx,
 * vitest and the compiled CLI; it uses only node:fs and node:crypto.
 */
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** One digest file read, with its signature checked (`sig`: null when there is no .sig file). */
export interface FetchedDigest {
  name: string;
  bytes: Buffer;
  sig: boolean | null;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { verify } = require('node:crypto');
const { dir, names, key } = workerData;
const out = [];
for (const name of names) {
  const bytes = readFileSync(dir + '/' + name);
  let sigText = null;
  try { sigText = readFileSync(dir + '/' + name + '.sig', 'latin1'); } catch {}
  let sig = null;
  if (sigText !== null) {
    const s = Buffer.from(sigText.trim(), 'base64');
    sig = s.length === 64 && verify(null, bytes, key, s);
  }
  out.push({ name, bytes, sig });
}
parentPort.postMessage(out);
`;

/** The digests `names` in `dir`, read and signature-checked with `key` on a worker thread, in name order. */
export function fetchDigests(dir: string, names: readonly string[], key: KeyObject): Promise<FetchedDigest[]> {
  if (names.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    // No execArgv: the worker needs no TypeScript loader (tsx's would only slow its start).
    const w = new Worker(WORKER, { eval: true, workerData: { dir, names, key }, execArgv: [] });
    w.once('message', (out: { name: string; bytes: Uint8Array; sig: boolean | null }[]) => {
      resolve(out.map((f) => ({ name: f.name, bytes: Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength), sig: f.sig })));
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`digest reader thread exited (${code}) before it answered`))); // no-op after resolve
  });
}
