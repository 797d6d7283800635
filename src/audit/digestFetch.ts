/**
 * Reads every digest of a log, checks its signature, hashes and parses it, on worker threads
 * (digestWorker.ts), while other threads rehash the log for `audit verify --digests`. Why threads: a
 * digest costs two small-file reads and one Ed25519 verify (about 50 µs idle, 100-400 µs on the loaded
 * 2-core dev VM), so the bench's 16,667 digests (hourly at one record a minute) cost about as much CPU as
 * rehashing the 1M records. The digests are cut into one contiguous share per core, so that on 2 cores
 * the four threads (two rehashing, two checking digests) end together instead of one digest thread
 * running on alone after the rehash.
 */
import type { KeyObject } from 'node:crypto';
import type { Digest } from './digestFormat.ts';
import { startWorker, threadCount, workerResult } from './threads.ts';

/** One digest file read, with its signature checked (`sig`: null when there is no .sig file), its sha256 and its parse. */
export interface FetchedDigest {
  name: string;
  sig: boolean | null;
  /** hex SHA-256 of the .json bytes. */
  sha256: string;
  /** undefined when the bytes are not a digest of a version this verifier reads. */
  digest: Digest | undefined;
}

/** What a digest worker is given. */
export interface DigestJob {
  dir: string;
  names: string[];
  key: KeyObject;
}

/** The digests `names` in `dir`, fetched and signature-checked with `key` on worker threads, in name order. */
export async function fetchDigests(dir: string, names: readonly string[], key: KeyObject): Promise<FetchedDigest[]> {
  if (names.length === 0) return [];
  const n = Math.min(threadCount(), Math.ceil(names.length / 1000));
  const size = Math.ceil(names.length / n);
  const shares = Array.from({ length: n }, (_, i) => names.slice(i * size, (i + 1) * size));
  const out = await Promise.all(shares.map((share) => workerResult<FetchedDigest[]>(startWorker('digestWorker', { dir, names: share, key } satisfies DigestJob))));
  return out.flat();
}
