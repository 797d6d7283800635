/**
 * `audit verify`: rehashes every chained line and checks seq steps by exactly 1, across the
 * rotated files of a log, then compares the end of the log with the head file.
 *
 * Speed: lines are never decoded or parsed. The chain suffix is located by byte checks
 * (chain.ts), prevChain + body is copied into one scratch buffer and hashed with the one-shot
 * crypto.hash (measured about 2x faster than createHash().update().update().digest()).
 */
import { createHmac, hash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.ts';
import { GENESIS, parseChained } from './chain.ts';
import { type LogGroup, readBlocks } from './read.ts';

/** What went wrong, as a closed set of codes. */
export type VerifyProblemCode =
  | 'CHAIN_MISMATCH'
  | 'SEQ_GAP'
  | 'SEQ_ORDER'
  | 'UNCHAINED_IN_CHAIN'
  | 'MISSING_START'
  | 'TORN_LINE'
  | 'TAIL_TRUNCATED'
  | 'HEAD_CHAIN_MISMATCH'
  | 'HEAD_MISMATCH_RECORDED';

/** The first problem found in a log: where and which seq. */
export interface VerifyProblem {
  code: VerifyProblemCode;
  file: string;
  /** 1-based line in `file`; null for problems about the log's end. */
  line: number | null;
  seq: number | null;
  message: string;
}

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
  /**
   * Called for every chained record whose chain checked out, with its seq, its chain and its line
   * (buf[start, end), valid only during the call): how `--digests` reads the log in the same pass.
   */
  onRecord?: (seq: number, chain: string, buf: Buffer, start: number, end: number) => void;
}

interface Head {
  seq: number;
  chain: string;
  hmac?: boolean;
}

/** Verifies one log (all its files in order). Throws UsageError when an HMAC log is checked without its key. */
export async function verifyLog(group: LogGroup, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const head = group.head ? readHead(group.head) : null;
  if (head?.hmac && opts.hmacKey === undefined) {
    throw new UsageError(`${group.key}: this log is chained with an HMAC key; set it in the environment (TRADER_AUDIT_HMAC_KEY) to verify`);
  }
  let hmac = head ? head.hmac === true : opts.hmacKey !== undefined;
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
  const fail = (code: VerifyProblemCode, file: string, line: number | null, seq: number | null, message: string) => {
    res.ok = false;
    res.problem = { code, file, line, seq, message };
  };

  let scratch = Buffer.allocUnsafe(1 << 16);
  let started = false;
  let prevKnown = false;
  let expect = 0;
  let lastChain = '';
  // The previous chained line ends right before the current one in the block (in-place hashing).
  let prevInBlock = false;
  const chainWith = (useHmac: boolean, input: Buffer): string =>
    useHmac ? createHmac('sha256', opts.hmacKey!).update(input).digest('hex') : hash('sha256', input, 'hex');

  files: for (let fi = 0; fi < group.files.length; fi++) {
    const file = group.files[fi]!;
    const lastFile = fi === group.files.length - 1;
    let lineNo = 0;
    for await (const { buf, end } of readBlocks(file, opts.blockBytes)) {
      for (let pos = 0; pos < end; ) {
        let nl = buf.indexOf(10, pos);
        const torn = nl < 0 || nl >= end;
        if (torn) nl = end;
        lineNo++;
        res.lines++;
        if (torn) {
          if (!lastFile) {
            fail('TORN_LINE', file, lineNo, null, 'a rotated file ends in the middle of a line');
            break files;
          }
          res.notes.push(`${file}:${lineNo}: torn last line (${nl - pos} bytes, no newline): a crash mid-write; the writer quarantines it on its next open`);
          break;
        }
        const c = parseChained(buf, pos, nl, false);
        if (c === null) {
          if (started) {
            fail('UNCHAINED_IN_CHAIN', file, lineNo, null, `a line without seq/chain after seq ${expect - 1}: inserted, or re-serialized`);
            break files;
          }
          if (nl > pos) res.unchained++;
          pos = nl + 1;
          continue;
        }
        if (!started) {
          started = true;
          res.first_seq = c.seq;
          if (c.seq === 1) {
            scratch.write(GENESIS, 0, 'latin1');
            prevKnown = true;
          } else if (!opts.partial) {
            fail('MISSING_START', file, lineNo, c.seq, `the first chained record has seq ${c.seq}: records 1..${c.seq - 1} are missing (pass the older rotated files, or --partial)`);
            break files;
          }
        } else if (c.seq !== expect) {
          const code = c.seq > expect ? 'SEQ_GAP' : 'SEQ_ORDER';
          const why = c.seq > expect ? 'a record was deleted' : 'a record was inserted, repeated or reordered';
          fail(code, file, lineNo, c.seq, `expected seq ${expect}, found seq ${c.seq}: ${why}`);
          break files;
        }
        const stored = buf.toString('latin1', c.chainStart, c.chainStart + 64);
        if (prevKnown) {
          // prevChain + body must be contiguous bytes. When the previous line (already checked)
          // is right before this one in the block, its chain sits at pos-67..pos-3: move it to
          // pos-64..pos and hash in place (no copy of the body: measurably faster than scratch).
          let input: Buffer;
          if (prevInBlock) {
            buf.copyWithin(pos - 64, pos - 67, pos - 3);
            input = buf.subarray(pos - 64, c.bodyEnd);
          } else {
            const len = 64 + (c.bodyEnd - pos);
            if (len > scratch.length) {
              const next = Buffer.allocUnsafe(len * 2);
              scratch.copy(next, 0, 0, 64);
              scratch = next;
            }
            buf.copy(scratch, 64, pos, c.bodyEnd);
            input = scratch.subarray(0, len);
          }
          if (chainWith(hmac, input) !== stored) {
            const alt = !hmac ? opts.hmacKey !== undefined : true;
            if (alt && chainWith(!hmac, input) === stored) {
              hmac = !hmac;
              res.notes.push(`${file}:${lineNo}: the chain switches to ${hmac ? 'HMAC-SHA256' : 'plain SHA-256'} at seq ${c.seq}`);
            } else {
              const hint = opts.hmacKey === undefined ? ' (if the log was written with an HMAC key, set TRADER_AUDIT_HMAC_KEY)' : '';
              fail('CHAIN_MISMATCH', file, lineNo, c.seq, `the chain does not match the record's bytes: this record was edited, or the one before it replaced${hint}`);
              break files;
            }
          }
        }
        prevKnown = true;
        if (nl + 1 === end) buf.copy(scratch, 0, c.chainStart, c.chainStart + 64); // last line of the block
        prevInBlock = nl + 1 < end;
        if (head && c.seq === head.seq && stored !== head.chain) {
          fail('HEAD_CHAIN_MISMATCH', file, lineNo, c.seq, `seq ${c.seq} has a different chain than the head file records: the log was rewritten`);
          break files;
        }
        opts.onRecord?.(c.seq, stored, buf, pos, nl);
        lastChain = stored;
        expect = c.seq + 1;
        res.last_seq = c.seq;
        res.chained++;
        pos = nl + 1;
      }
    }
  }
  if (res.ok) checkEnd(group, head, res, lastChain);
  return res;
}

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
