// src/audit/: the audit log — its line format and chain (this file), the writer (writer.ts, rotation.ts), digests and
// the readers and queries. Readers never write a log file; the writer only appends (records are never rewritten).
/**
 * The audit line format and its hash chain, shared by the writer (src/audit/writer.ts) and
 * `audit verify`.
 *
 * A chained line is the record's JSON with `seq` added as its last field, then the chain field:
 *
 *   {"timestamp":"…",…,"seq":42,"chain":"<64 hex>"}\n
 *   |<---------------- body ---------------->|<-- suffix (76 bytes) -->|
 *
 * body  = JSON.stringify(record) without its closing `}`, plus `,"seq":<n>`
 * chain = hex SHA-256(prevChain + body), or HMAC-SHA256(key, prevChain + body) with a key;
 *         prevChain is the previous record's chain as 64 ASCII hex chars (GENESIS for seq 1).
 *
 * Because the chain field is always the last 76 bytes of the line, a verifier strips it
 * textually and rehashes the exact bytes that were written: no JSON parse, no re-serialization
 * (which could reorder keys or reformat numbers).
 */
import { createHmac, hash } from 'node:crypto';

/** prevChain of the first record of a log. */
export const GENESIS = '0'.repeat(64);

/** Hex digits of a chain the `trader_audit_chain_head` gauge carries (13 × 4 = 52 bits: exact in a float64). */
export const HEAD_HEX_DIGITS = 13;

/** The head gauge's value for a chain: its first HEAD_HEX_DIGITS hex digits as an integer. */
export const chainHeadValue = (chain: string): number => Number.parseInt(chain.slice(0, HEAD_HEX_DIGITS), 16);

/** `,"chain":"` + 64 hex + `"}`. */
export const CHAIN_SUFFIX_LEN = 76;

const CHAIN_TAG = Buffer.from(',"chain":"', 'latin1');

/** The chain value of one record: SHA-256 (or HMAC-SHA256 with a key) over prevChain + body. */
export function chainOf(prev: string, body: string | Buffer, key?: string): string {
  if (key !== undefined) return createHmac('sha256', key).update(prev).update(body).digest('hex');
  // crypto.hash is the one-shot form: about 2x faster than createHash().update().digest() per line.
  return typeof body === 'string' ? hash('sha256', prev + body, 'hex') : hash('sha256', Buffer.concat([Buffer.from(prev, 'latin1'), body]), 'hex');
}

/** Serializes a record as a chained line (with the trailing newline). */
export function sealRecord(record: Record<string, unknown>, seq: number, prev: string, key?: string): { line: string; chain: string } {
  if ('seq' in record || 'chain' in record) throw new TypeError('audit records must not carry their own "seq" or "chain" field');
  const json = JSON.stringify(record);
  if (json === undefined || json[0] !== '{') throw new TypeError('an audit record must be a JSON object');
  return sealJson(json, seq, prev, key);
}

/** sealRecord for a record already serialized as a JSON object text (the benchmark's generator). */
export function sealJson(json: string, seq: number, prev: string, key?: string): { line: string; chain: string } {
  const body = `${json.slice(0, -1)}${json.length > 2 ? ',' : ''}"seq":${seq}`;
  const chain = chainOf(prev, body, key);
  return { line: `${body},"chain":"${chain}"}\n`, chain };
}

/** Where the parts of a chained line sit in a buffer; null when the line carries no chain suffix. */
export interface ChainedLine {
  /** End of the body (start of `,"chain":"`). */
  bodyEnd: number;
  /** Start of the 64 hex chars of the chain value. */
  chainStart: number;
  seq: number;
}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);

/**
 * Finds the chain suffix and the seq of the line buf[start, end) (end excludes the newline).
 * Byte checks only: this runs once per line in `audit verify`.
 */
export function parseChained(buf: Uint8Array, start: number, end: number, checkHex = true): ChainedLine | null {
  if (end - start < CHAIN_SUFFIX_LEN + 9 || buf[end - 1] !== 0x7d || buf[end - 2] !== 0x22) return null;
  const bodyEnd = end - CHAIN_SUFFIX_LEN;
  for (let i = 0; i < CHAIN_TAG.length; i++) if (buf[bodyEnd + i] !== CHAIN_TAG[i]) return null;
  const chainStart = bodyEnd + CHAIN_TAG.length;
  // verify skips this (a non-hex value cannot equal the computed chain: it fails there).
  if (checkHex) for (let i = chainStart; i < end - 2; i++) if (!isHex(buf[i]!)) return null;
  // The body ends with `"seq":<digits>` preceded by `,` or `{`.
  let p = bodyEnd - 1;
  let seq = 0;
  let mul = 1;
  while (p > start && buf[p]! >= 0x30 && buf[p]! <= 0x39) {
    seq += (buf[p]! - 0x30) * mul;
    mul *= 10;
    p--;
  }
  if (mul === 1 || p - 6 < start) return null;
  // p points at ':' of `"seq":`
  if (buf[p] !== 0x3a || buf[p - 1] !== 0x22 || buf[p - 2] !== 0x71 || buf[p - 3] !== 0x65 || buf[p - 4] !== 0x73 || buf[p - 5] !== 0x22) return null;
  if (buf[p - 6] !== 0x2c && buf[p - 6] !== 0x7b) return null;
  return { bodyEnd, chainStart, seq };
}
