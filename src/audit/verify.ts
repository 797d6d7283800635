/**
 * `audit verify`: rehashes every chained line and checks seq steps by exactly 1, across the
 * rotated files of a log, then compares the end of the log with the head file.
 *
 * Speed: a large log is cut into one part per core (threads.ts); the main thread checks the first
 * part while worker threads check the others from the state the line before their part implies, and
 * their answers are taken in order only where that was the true state (verifyPart.ts). Measured on
 * 1 GB of the daemon's records on 2 cores: see `npm run bench`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.ts';
import { parseChained } from './chain.ts';
import type { Worker } from 'node:worker_threads';
import type { LogGroup } from './read.ts';
import { type Part, planParts, type SplitOptions, startWorker, workerResult } from './threads.ts';
import { type ChainState, checkPart, type Keep, type PartJob, type PartResult, type VerifyProblem, type VerifyProblemCode } from './verifyPart.ts';

export type { VerifyProblem, VerifyProblemCode };

/** The verdict on one log. */
export interface VerifyResult {
  log: string;
  files: string[];
  ok: boolean;
  lines: number;
  chained: number;
  /** Records written before chaining existed (legacy), before the first chained record. */
  unchained: number;
  first_seq: number | null;
  last_seq: number | null;
  hmac: boolean;
  head: { seq: number; chain: string } | null;
  problem: VerifyProblem | null;
  /** Not tampering, but worth knowing (torn last line after a crash, head lagging, mode switch). */
  notes: string[];
}

/** Options: the HMAC key (when the log was written with one) and whether a log may start mid-chain. */
export interface VerifyOptions {
  hmacKey?: string;
  /** Accept a first chained record with seq > 1 (older files deleted by retention). */
  partial?: boolean;
  /** Read size (tests use a small one to put many block boundaries in a small log). */
  blockBytes?: number;
  /** How a large log is cut between threads (tests cut small logs). */
  split?: SplitOptions;
}

/** What `--digests` and `--witness` read from the log in the same pass (records whose chain checked out). */
export interface Kept {
  chains: Map<number, string>;
  lines: { seq: number; line: string }[];
}

interface Head {
  seq: number;
  chain: string;
  hmac?: boolean;
}

/** Verifies one log (all its files in order). Throws UsageError when an HMAC log is checked without its key. */
export async function verifyLog(group: LogGroup, opts: VerifyOptions = {}): Promise<VerifyResult> {
  return (await verifyKeeping(group, opts)).log;
}

/** verifyLog, also keeping the chains and lines `keep` asks for. */
export async function verifyKeeping(group: LogGroup, opts: VerifyOptions & { keep?: Keep }): Promise<{ log: VerifyResult; kept: Kept }> {
  const head = group.head ? readHead(group.head) : null;
  if (head?.hmac && opts.hmacKey === undefined) {
    throw new UsageError(`${group.key}: this log is chained with an HMAC key; set it in the environment (TRADER_AUDIT_HMAC_KEY) to verify`);
  }
  const hmac = head ? head.hmac === true : opts.hmacKey !== undefined;
  const res: VerifyResult = {
    log: group.key,
    files: group.files,
    ok: true,
    lines: 0,
    chained: 0,
    unchained: 0,
    first_seq: null,
    last_seq: null,
    hmac,
    head: head ? { seq: head.seq, chain: head.chain } : null,
    problem: null,
    notes: [],
  };
  const kept: Kept = { chains: new Map(), lines: [] };
  const parts = planParts(group.files, opts.split);
  const job = (p: Part, state: ChainState): PartJob => ({
    stretches: p.stretches,
    state,
    head: res.head,
    partial: opts.partial === true,
    ...(opts.hmacKey !== undefined && { hmacKey: opts.hmacKey }),
    ...(opts.blockBytes !== undefined && { blockBytes: opts.blockBytes }),
    ...(opts.keep && { keep: opts.keep }),
  });
  // The parts after the first start on worker threads at once, each from the state the line before it implies.
  const assumed = parts.map((p) => (p.ctx ? stateAfter(p.ctx, hmac) : undefined));
  const workers = parts.map((p, i) => (assumed[i] ? startPart(job(p, assumed[i]!)) : undefined));
  let state: ChainState = { started: false, expect: 0, prev: '', hmac };
  const numbered = new Map<string, number>(); // lines of each file numbered so far
  try {
    for (let i = 0; i < parts.length; i++) {
      const w = workers[i];
      let r = w && sameState(assumed[i]!, state) ? await w.result : undefined;
      if (w && !r) void w.worker.terminate();
      r ??= await checkPart(job(parts[i]!, state)); // the first part, or a worker's guess was wrong
      const stretches = parts[i]!.stretches;
      const bases = r.lines.map((n, s) => {
        const { file, fileStart } = stretches[s]!;
        const base = fileStart ? 0 : (numbered.get(file) ?? 0);
        numbered.set(file, base + n);
        res.lines += n;
        return base;
      });
      res.chained += r.chained;
      res.unchained += r.unchained;
      if (res.first_seq === null) res.first_seq = r.firstSeq;
      if (r.lastSeq !== null) res.last_seq = r.lastSeq;
      for (const n of r.notes) res.notes.push(`${stretches[n.stretch]!.file}:${bases[n.stretch]! + n.line}${n.text}`);
      for (const [seq, chain] of r.kept.chains) kept.chains.set(seq, chain);
      kept.lines.push(...r.kept.lines);
      if (r.problem) {
        const { stretch, ...p } = r.problem;
        res.ok = false;
        res.problem = { ...p, line: p.line === null ? null : bases[stretch]! + p.line };
        break;
      }
      state = r.state;
    }
  } finally {
    for (const w of workers) void w?.worker.terminate();
  }
  if (res.ok) checkEnd(group, head, res, state.prev);
  return { log: res, kept };
}

/** A part checked on a worker thread; its result is undefined when the thread failed (the part is then checked here). */
function startPart(job: PartJob): { worker: Worker; result: Promise<PartResult | undefined> } | undefined {
  try {
    const worker = startWorker('verifyWorker', job);
    return { worker, result: workerResult<PartResult>(worker).catch(() => undefined) };
  } catch {
    return undefined;
  }
}

/** The chain state right after the line `ctx`, if it is a chained record (else a part after it cannot be guessed). */
function stateAfter(ctx: Buffer, hmac: boolean): ChainState | undefined {
  const c = parseChained(ctx, 0, ctx.length, false);
  return c ? { started: true, expect: c.seq + 1, prev: ctx.toString('latin1', c.chainStart, c.chainStart + 64), hmac } : undefined;
}

const sameState = (a: ChainState, b: ChainState): boolean => a.started === b.started && a.expect === b.expect && a.prev === b.prev && a.hmac === b.hmac;

function checkEnd(group: LogGroup, head: Head | null, res: VerifyResult, lastChain: string): void {
  const last = res.last_seq ?? 0;
  if (head && head.seq > last) {
    res.ok = false;
    res.problem = {
      code: 'TAIL_TRUNCATED',
      file: group.files.at(-1) ?? group.key,
      line: null,
      seq: last,
      message: `the log ends at seq ${last} but the head file says seq ${head.seq}: ${head.seq - last} record(s) cut from the tail`,
    };
    return;
  }
  if (head && head.seq < last) res.notes.push(`the head file lags by ${last - head.seq} record(s) (batch fsync, or a crash between the line and the head update)`);
  if (head && head.seq === last && last > 0 && head.chain !== lastChain) {
    res.ok = false;
    res.problem = { code: 'HEAD_CHAIN_MISMATCH', file: group.files.at(-1) ?? group.key, line: null, seq: last, message: 'the last record differs from the head file' };
    return;
  }
  if (group.key !== '-') {
    const dir = dirname(group.key);
    const evidence = readdirSync(dir).filter((n) => n.startsWith(`${basename(group.key)}.head.mismatch-`));
    if (evidence.length > 0) {
      res.ok = false;
      res.problem = {
        code: 'HEAD_MISMATCH_RECORDED',
        file: join(dir, evidence[0]!),
        line: null,
        seq: null,
        message: 'the writer found the head file ahead of the log when it opened it: the tail had been truncated (the old head is kept in this file)',
      };
    }
  }
}

function readHead(path: string): Head | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Head;
    return Number.isSafeInteger(h.seq) && typeof h.chain === 'string' ? h : null;
  } catch {
    return null;
  }
}
