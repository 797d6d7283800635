/** A worker thread of `audit verify --digests`: fetches its share of the digests (digestFetch.ts) and posts them. */
import { hash, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { DigestJob, FetchedDigest } from './digestFetch.ts';
import { parseDigest, signatureFileName } from './digestFormat.ts';

const { dir, names, key } = workerData as DigestJob;
const out: FetchedDigest[] = [];
for (const name of names) {
  const bytes = readFileSync(join(dir, name));
  let sigText: string | null = null;
  try {
    sigText = readFileSync(join(dir, signatureFileName(name)), 'latin1');
  } catch {
    // no signature file: reported as DIGEST_SIGNATURE_MISSING
  }
  let sig: boolean | null = null;
  if (sigText !== null) {
    const s = Buffer.from(sigText.trim(), 'base64');
    sig = s.length === 64 && verify(null, bytes, key, s);
  }
  out.push({ name, sig, sha256: hash('sha256', bytes, 'hex'), digest: parseDigest(bytes) });
}
parentPort!.postMessage(out);
