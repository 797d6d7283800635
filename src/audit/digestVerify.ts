/**
 * `audit verify --digests`: checks a log against its signed digests (format in digestFormat.ts),
 * in the same pass over the log as the chain check:
 *   1. every digest's signature, with the auditor's public key;
 *   2. the digest chain: each names its predecessor's sha256 and starts at its to_seq + 1, so a
 *      deleted or replaced digest is found by its successor;
 *   3. the log: the chain of record from_seq - 1 is first_chain and that of to_seq is last_chain,
 *      so the records in between chain to exactly what was signed (a log rewritten from an edited
 *      record onwards, chains recomputed, passes plain verify and fails here);
 *   4. the `digest` records (the record after each digest's last one, and any after the newest
 *      digest found) name digests that are there, with that sha256 (the newest digest deleted has
 *      no successor, but the log still names it);
 *   5. the files closed by rotation hash to what the digest says.
 * The first problem found is reported (1–2 before 3–5).
 */
import { hash, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GENESIS } from './chain.ts';
import { DIGEST_DIR, type Digest, digestFileName, isDigestOf, signatureFileName } from './digestFormat.ts';
import { fetchDigests, type FetchedDigest } from './digestFetch.ts';
import type { LogGroup } from './read.ts';
import { type VerifyOptions, type VerifyResult, verifyKeeping } from './verify.ts';

/** What is wrong with the digests or the log against them, as a closed set of codes. */
export type DigestProblemCode =
  | 'DIGEST_NONE'
  | 'DIGEST_UNREADABLE'
  | 'DIGEST_SIGNATURE_MISSING'
  | 'DIGEST_BAD_SIGNATURE'
  | 'DIGEST_MISSING'
  | 'DIGEST_REPLACED'
  | 'DIGEST_CHAIN_BROKEN'
  | 'DIGEST_LOG_MISMATCH'
  | 'DIGEST_BEYOND_LOG'
  | 'DIGEST_FILE_MISMATCH';

/** The first problem: which digest, which seqs, why. */
export interface DigestProblem {
  code: DigestProblemCode;
  digest: string | null;
  /** The seq or seq range (`from..to`) the problem is about. */
  seq: string | null;
  message: string;
}

/** The verdict of the digests on one log. */
export interface DigestResult {
  dir: string;
  ok: boolean;
  digests: number;
  /** seq range the digests cover (first from_seq..last to_seq). */
  covered: string | null;
  problem: DigestProblem | null;
  notes: string[];
}

const sha256 = (b: Buffer): string => hash('sha256', b, 'hex');
const DIGEST_TAG = '"event":"digest"';

interface Loaded {
  name: string;
  sha256: string;
  digest: Digest;
}

/** Verifies `group` and its digests in `dir` (default `<log dir>/digests`) with `publicKey`; the chain result as verifyLog's. */
export async function verifyWithDigests(group: LogGroup, publicKey: KeyObject, opts: VerifyOptions & { dir?: string } = {}): Promise<{ log: VerifyResult; digests: DigestResult }> {
  const logName = basename(group.key);
  const dir = opts.dir ?? join(dirname(group.key), DIGEST_DIR);
  const res: DigestResult = { dir, ok: true, digests: 0, covered: null, problem: null, notes: [] };
  const fail = (code: DigestProblemCode, digest: string | null, seq: string | number | null, message: string) => {
    if (res.problem) return;
    res.ok = false;
    res.problem = { code, digest, seq: seq === null ? null : String(seq), message };
  };

  // The digests are read and their signatures checked on a worker thread (digestFetch.ts says
  // why) while this thread rehashes the log. The seqs whose chains they sign are in their names:
  // the pass keeps just those chains, compared once both are done.
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => isDigestOf(logName, n)).sort() : [];
  const fetched = fetchDigests(dir, names, publicKey);
  fetched.catch(() => {}); // awaited (and thrown) after the pass; not an unhandled rejection during it
  const edges = new Set<number>();
  // Where `digest` records sit: right after each digest's last record, and anywhere after the
  // newest one found (a deleted newest digest's record is there). No other line is looked into.
  const recordAt = new Set<number>();
  let newestTo = 0;
  for (const n of names) {
    const [from, to] = seqsOfName(n);
    if (from > 1) edges.add(from - 1);
    edges.add(to);
    recordAt.add(to + 1);
    newestTo = Math.max(newestTo, to);
  }
  const { log, kept } = await verifyKeeping(group, { ...opts, keep: { chains: edges, lines: { at: recordAt, after: newestTo, tag: DIGEST_TAG } } });
  const chains = kept.chains;
  const named = kept.lines;
  const loaded = checkDigestChain(dir, logName, await fetched, fail);
  res.digests = loaded.length;
  if (loaded.length > 0) res.covered = `${loaded[0]!.digest.from_seq}..${loaded.at(-1)!.digest.to_seq}`;
  if (!log.ok || res.problem) return { log, digests: res };

  // 3: the first digest (in seq order) whose edge chains differ from the log's.
  let mismatch: { seq: number; d: Loaded; edge: 'first' | 'last'; found: string } | undefined;
  for (const d of loaded) {
    const from = d.digest.from_seq;
    const atFirst = chains.get(from - 1);
    const atLast = chains.get(d.digest.to_seq);
    if (from > 1 && atFirst !== undefined && atFirst !== d.digest.first_chain) mismatch = { seq: from - 1, d, edge: 'first', found: atFirst };
    else if (atLast !== undefined && atLast !== d.digest.last_chain) mismatch = { seq: d.digest.to_seq, d, edge: 'last', found: atLast };
    if (mismatch) break;
  }

  const first = loaded[0]?.digest;
  if (first && first.from_seq === 1 && first.first_chain !== GENESIS) fail('DIGEST_LOG_MISMATCH', loaded[0]!.name, 1, 'the first digest of the log does not start from the genesis chain');
  if (mismatch) {
    const { d } = mismatch;
    const range = `${d.digest.from_seq}..${d.digest.to_seq}`;
    const what =
      mismatch.edge === 'last'
        ? `records ${range} do not chain to the signed last_chain (the log has ${mismatch.found.slice(0, 12)}…, the digest ${d.digest.last_chain.slice(0, 12)}…): a record in ${range} was changed and the chain recomputed after it`
        : `record ${mismatch.seq}, where this digest starts, does not have the signed first_chain: the log was rewritten up to seq ${mismatch.seq}`;
    fail('DIGEST_LOG_MISMATCH', d.name, mismatch.edge === 'last' ? range : mismatch.seq, what);
  }
  const last = loaded.at(-1);
  if (last && (log.last_seq ?? 0) < last.digest.to_seq) {
    fail('DIGEST_BEYOND_LOG', last.name, `${(log.last_seq ?? 0) + 1}..${last.digest.to_seq}`, `the digest covers up to seq ${last.digest.to_seq} but the log ends at seq ${log.last_seq ?? 0}: records cut from the tail`);
  }
  checkDigestRecords(named, loaded, dir, fail);
  checkClosedFiles(loaded, dirname(group.key), opts.partial === true, fail, res.notes);
  if (res.ok && last && (log.last_seq ?? 0) > last.digest.to_seq) {
    res.notes.push(`seq ${last.digest.to_seq + 1}..${log.last_seq} written after the newest digest: not covered yet (the next digest will)`);
  }
  if (res.ok && first && first.from_seq > 1) res.notes.push(`seq 1..${first.from_seq - 1}: before the first digest found in ${dir}`);
  return { log, digests: res };
}

type Fail = (code: DigestProblemCode, digest: string | null, seq: string | number | null, message: string) => void;

/** from_seq and to_seq as a digest file's name gives them. */
function seqsOfName(name: string): [number, number] {
  const m = /\.(\d{12})-(\d{12})\.digest\.json$/.exec(name)!;
  return [Number(m[1]), Number(m[2])];
}

/** 1 and 2: every digest of the log in `dir` (fetched, in name order), signature checked, chained to its predecessor. */
function checkDigestChain(dir: string, logName: string, fetched: readonly FetchedDigest[], fail: Fail): Loaded[] {
  if (fetched.length === 0) {
    fail('DIGEST_NONE', null, null, `no digests of ${logName} in ${dir}`);
    return [];
  }
  const out: Loaded[] = [];
  for (const { name, sig, sha256, digest } of fetched) {
    if (sig === null) {
      fail('DIGEST_SIGNATURE_MISSING', name, null, `no signature file ${signatureFileName(name)} beside the digest`);
      return out;
    }
    if (!sig) {
      fail('DIGEST_BAD_SIGNATURE', name, null, 'the signature does not verify with this public key: the digest was changed after it was signed, or signed by another key');
      return out;
    }
    if (!digest || digestFileName(logName, digest.from_seq, digest.to_seq) !== name) {
      fail('DIGEST_UNREADABLE', name, null, digest ? `signed for seq ${digest.from_seq}..${digest.to_seq}, but the file is named for another range` : 'signed, but not a digest of a version this verifier reads');
      return out;
    }
    const prev = out.at(-1);
    const range = `${digest.from_seq}..${digest.to_seq}`;
    if (!prev && digest.previous_digest_sha256 !== null) {
      fail('DIGEST_MISSING', name, digest.from_seq > 1 ? `..${digest.from_seq - 1}` : null, `the oldest digest found names a predecessor (${digest.previous_digest}) that is not in ${dir}: deleted`);
      return out;
    }
    if (prev && digest.previous_digest_sha256 !== prev.sha256) {
      if (digest.previous_digest !== prev.name) {
        fail('DIGEST_MISSING', name, `${prev.digest.to_seq + 1}..${digest.from_seq - 1}`, `its predecessor is ${digest.previous_digest}, which is not in ${dir} (the one before it there is ${prev.name}): deleted`);
      } else {
        fail('DIGEST_REPLACED', prev.name, `${prev.digest.from_seq}..${prev.digest.to_seq}`, `${name} signed a different sha256 for it: the digest was replaced`);
      }
      return out;
    }
    if (prev && digest.from_seq !== prev.digest.to_seq + 1) {
      fail('DIGEST_CHAIN_BROKEN', name, range, `starts at seq ${digest.from_seq} but its predecessor ends at seq ${prev.digest.to_seq}: the log went back (a tail cut while the daemon was down) or ahead`);
      return out;
    }
    out.push({ name, sha256, digest });
  }
  return out;
}

/** 4: each `digest` record of the log names a digest that is present with the same sha256. */
function checkDigestRecords(named: readonly { seq: number; line: string }[], loaded: readonly Loaded[], dir: string, fail: Fail): void {
  const byName = new Map(loaded.map((d) => [d.name, d]));
  for (const { seq, line } of named) {
    let r: { digest_file?: unknown; digest_sha256?: unknown };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      continue; // not a record this verifier wrote (the chain check already vouches for its bytes)
    }
    if (typeof r.digest_file !== 'string') continue;
    const d = byName.get(r.digest_file);
    if (!d) {
      fail('DIGEST_MISSING', r.digest_file, seq, `the log's digest record at seq ${seq} names ${r.digest_file}, which is not in ${dir}: deleted`);
      return;
    }
    if (d.sha256 !== r.digest_sha256) {
      fail('DIGEST_REPLACED', d.name, seq, `the log's digest record at seq ${seq} has another sha256 for it: the digest was replaced (and re-signed)`);
      return;
    }
  }
}

/** 5: files closed by rotation hash to what the digests signed (gunzipped when compressed). */
function checkClosedFiles(loaded: readonly Loaded[], logDir: string, partial: boolean, fail: Fail, notes: string[]): void {
  for (const d of loaded) {
    for (const f of d.digest.log_files) {
      const plain = join(logDir, f.name);
      const gz = `${plain}.gz`;
      const bytes = existsSync(plain) ? readFileSync(plain) : existsSync(gz) ? gunzipSync(readFileSync(gz)) : undefined;
      if (!bytes) {
        if (partial) notes.push(`${f.name}: closed in ${d.name}, no longer in ${logDir} (--partial)`);
        else fail('DIGEST_FILE_MISMATCH', d.name, null, `${f.name} (closed by rotation, signed in this digest) is not in ${logDir}: deleted`);
        continue;
      }
      if (sha256(bytes) !== f.sha256) fail('DIGEST_FILE_MISMATCH', d.name, null, `${f.name} does not hash to the sha256 this digest signed: the file was changed after rotation`);
    }
  }
}
