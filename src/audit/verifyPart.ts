/**
 * The per-line chain check of `audit verify` over one part of a log (stretches of its files, in
 * order), from a given state of the chain: the main thread runs it on the first part while worker
 * threads (verifyWorker.ts) run it on the others, each assuming the state the line before its part
 * implies; verify.ts accepts a worker's answer only when that assumption was the true state, else it
 * checks the part again itself. So the verdict is the one a single pass gives.
 *
 * Speed: lines are never decoded or parsed. The chain suffix is located by byte checks
 * (chain.ts), prevChain + body is hashed in place (or from one scratch buffer) with the one-shot
 * crypto.hash (measured about 2x faster than createHash().update().update().digest()).
 */
import { createHmac, hash } from 'node:crypto';
import { GENESIS, parseChained } from './chain.ts';
import { fileBlocks, readBlocks } from './read.ts';
import type { Stretch } from './threads.ts';

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

/** Where the chain stands between two parts: all a part needs from the ones before it. */
export interface ChainState {
  /** A chained record was seen. */
  started: boolean;
  /** The next record's seq (once started). */
  expect: number;
  /** The last chained record's chain ('' before the first). */
  prev: string;
  hmac: boolean;
}

/** Records a caller needs from the pass (its chain checked out): chains at these seqs; lines at these seqs or after `linesAfter` whose first 96 bytes hold `tag`. */
export interface Keep {
  chains: ReadonlySet<number>;
  lines?: { at: ReadonlySet<number>; after: number; tag: string };
}

/** Everything a part's check needs: its stretches, the start state, the log's head and options. */
export interface PartJob {
  stretches: Stretch[];
  state: ChainState;
  head: { seq: number; chain: string } | null;
  hmacKey?: string;
  partial: boolean;
  blockBytes?: number;
  keep?: Keep;
}

/** What one part found; line numbers count from each stretch's first line (verify.ts numbers them in the file). */
export interface PartResult {
  /** Lines per stretch. */
  lines: number[];
  chained: number;
  unchained: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The first problem and the index of its stretch. */
  problem: (VerifyProblem & { stretch: number }) | null;
  /** Notes: `${file}:${line}${text}` once the line is numbered. */
  notes: { stretch: number; line: number; text: string }[];
  state: ChainState;
  kept: { chains: [number, string][]; lines: { seq: number; line: string }[] };
}

/** Checks the part's lines in order from `job.state`; stops at the first problem. */
export async function checkPart(job: PartJob): Promise<PartResult> {
  const st: ChainState = { ...job.state };
  const out: PartResult = { lines: [], chained: 0, unchained: 0, firstSeq: null, lastSeq: null, problem: null, notes: [], state: st, kept: { chains: [], lines: [] } };
  const { head, keep } = job;
  const tag = keep?.lines ? Buffer.from(keep.lines.tag, 'latin1') : undefined;
  let scratch = Buffer.allocUnsafe(1 << 16);
  const chainWith = (useHmac: boolean, input: Buffer): string =>
    useHmac ? createHmac('sha256', job.hmacKey!).update(input).digest('hex') : hash('sha256', input, 'hex');

  for (let si = 0; si < job.stretches.length; si++) {
    const { file, from, to, lastFile } = job.stretches[si]!;
    const fail = (code: VerifyProblemCode, line: number, seq: number | null, message: string) => {
      out.problem = { code, file, line, seq, message, stretch: si };
    };
    let lineNo = 0;
    out.lines.push(0);
    const blocks = file === '-' || file.endsWith('.gz') ? readBlocks(file, job.blockBytes) : fileBlocks(file, job.blockBytes, from, to);
    for await (const { buf, end } of blocks) {
      // The previous chained line ends right before the current one in the block (in-place hashing).
      let prevInBlock = false;
      if (st.started) scratch.write(st.prev, 0, 'latin1');
      for (let pos = 0; pos < end; ) {
        let nl = buf.indexOf(10, pos);
        const torn = nl < 0 || nl >= end;
        if (torn) nl = end;
        lineNo++;
        out.lines[si]!++;
        if (torn) {
          if (!lastFile) {
            fail('TORN_LINE', lineNo, null, 'a rotated file ends in the middle of a line');
            return out;
          }
          out.notes.push({ stretch: si, line: lineNo, text: `: torn last line (${nl - pos} bytes, no newline): a crash mid-write; the writer quarantines it on its next open` });
          break;
        }
        const c = parseChained(buf, pos, nl, false);
        if (c === null) {
          if (st.started) {
            fail('UNCHAINED_IN_CHAIN', lineNo, null, `a line without seq/chain after seq ${st.expect - 1}: inserted, or re-serialized`);
            return out;
          }
          if (nl > pos) out.unchained++;
          pos = nl + 1;
          continue;
        }
        let prevKnown = st.started;
        if (!st.started) {
          st.started = true;
          out.firstSeq = c.seq;
          if (c.seq === 1) {
            scratch.write(GENESIS, 0, 'latin1');
            prevKnown = true;
          } else if (!job.partial) {
            fail('MISSING_START', lineNo, c.seq, `the first chained record has seq ${c.seq}: records 1..${c.seq - 1} are missing (pass the older rotated files, or --partial)`);
            return out;
          }
        } else if (c.seq !== st.expect) {
          const code = c.seq > st.expect ? 'SEQ_GAP' : 'SEQ_ORDER';
          const why = c.seq > st.expect ? 'a record was deleted' : 'a record was inserted, repeated or reordered';
          fail(code, lineNo, c.seq, `expected seq ${st.expect}, found seq ${c.seq}: ${why}`);
          return out;
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
          if (chainWith(st.hmac, input) !== stored) {
            const alt = !st.hmac ? job.hmacKey !== undefined : true;
            if (alt && chainWith(!st.hmac, input) === stored) {
              st.hmac = !st.hmac;
              out.notes.push({ stretch: si, line: lineNo, text: `: the chain switches to ${st.hmac ? 'HMAC-SHA256' : 'plain SHA-256'} at seq ${c.seq}` });
            } else {
              const hint = job.hmacKey === undefined ? ' (if the log was written with an HMAC key, set TRADER_AUDIT_HMAC_KEY)' : '';
              fail('CHAIN_MISMATCH', lineNo, c.seq, `the chain does not match the record's bytes: this record was edited, or the one before it replaced${hint}`);
              return out;
            }
          }
        }
        prevInBlock = true;
        if (head && c.seq === head.seq && stored !== head.chain) {
          fail('HEAD_CHAIN_MISMATCH', lineNo, c.seq, `seq ${c.seq} has a different chain than the head file records: the log was rewritten`);
          return out;
        }
        if (keep) {
          if (keep.chains.has(c.seq)) out.kept.chains.push([c.seq, stored]);
          const l = keep.lines;
          if (l && (c.seq > l.after || l.at.has(c.seq)) && buf.subarray(pos, Math.min(nl, pos + 96)).indexOf(tag!) >= 0) out.kept.lines.push({ seq: c.seq, line: buf.toString('utf8', pos, nl) });
        }
        st.prev = stored;
        st.expect = c.seq + 1;
        out.lastSeq = c.seq;
        out.chained++;
        pos = nl + 1;
      }
    }
  }
  return out;
}
