/**
 * A fast field scanner for audit lines: pulls a few top-level scalar fields (config_hash,
 * timestamp, status, instance_id, …) out of each line of a block without JSON.parse.
 *
 * How: the block is decoded once as latin1 (one byte = one char, so string index = byte
 * offset), and each key is found with String.indexOf from the start of the line (cheap:
 * writers put these scalars first). A key counts as top-level when it comes before the first
 * `{` or `[` inside the line; a line where that cannot be shown (a key after a nested value,
 * or a string with an escape or non-ASCII) is an "odd" line and its fields come from
 * JSON.parse. A key repeated at top level (never written by us; RFC 8259 says names SHOULD be
 * unique) is first-wins here, last-wins in jq. Orders executed come from the first
 * proposals.final_executed_count, else from the orders (then via JSON.parse). Handles `"key":"v"`
 * (our writer) and `"key": "v"` (the legacy bot). Measured on 1.1 KB cycle records: about 0.8 µs
 * per line besides reading and decoding it, against 9 µs to decode and JSON.parse it.
 */

/**
 * Finds a needle line by line. A search starts at the line, so a key near the start of the
 * line costs a few dozen bytes; a miss remembers where the needle next occurs, so a key absent
 * from most lines is searched once per block, not once per line. A far search looks for the
 * needle's last 6 characters (then checks the ones before): a native search looks for its
 * pattern's first character with memchr, and `"` is every 8th character of a JSON line, while the
 * tail starts with a letter (measured on 1 GB of the daemon's records: an absent key cost 0.65 s
 * of a 2 s summary searched as the whole needle, 0.2 s this way; String.indexOf of the tail costs
 * a quarter less than Buffer.indexOf of its bytes).
 */
import { isAscii } from 'node:buffer';

/** About a line or two of our records. */
const NEAR = 4096;

class Cursor {
  private next = -1;
  /** The last search found the needle within NEAR bytes. */
  private near = true;
  /** Bytes of the needle before its tail. */
  private readonly lead: number;
  private readonly head: string;
  private readonly unquoted: string;
  private readonly tail: string;
  constructor(readonly needle: string) {
    this.lead = Math.max(0, needle.length - 6);
    this.head = needle.slice(0, this.lead);
    this.unquoted = needle.slice(1);
    this.tail = needle.slice(this.lead);
  }

  /** A new block: positions are forgotten; whether the needle was near is kept (a key absent from one block is likely absent from the next). */
  reset(): void {
    this.next = -1;
  }

  /** First occurrence in [from, lineEnd) of the block's latin1 text `s`, or -1. */
  find(s: string, from: number, lineEnd: number): number {
    let p = this.next;
    if (p < from) {
      // A needle the last search found near is likely near again: String.indexOf costs least per
      // call. Otherwise the next one may be far: the search for the tail costs least per byte.
      p = this.near ? this.nearby(s, from) : this.far(s, from);
      if (p < 0) p = s.length;
      this.next = p;
      this.near = p - from < NEAR;
    }
    return p < lineEnd ? p : -1;
  }

  /**
   * String.indexOf, but for the needle without its leading `"` (then checked): the search looks for
   * the pattern's first character first, and a quote is every 8th character of JSON, a letter is not
   * (summary's scan of 1 GB of our records: 1.8 s of CPU before, 1.6 s after).
   */
  private nearby(s: string, from: number): number {
    if (this.needle.length < 2 || this.needle.charCodeAt(0) !== 0x22) return s.indexOf(this.needle, from);
    for (let q = s.indexOf(this.unquoted, from + 1); q >= 0; q = s.indexOf(this.unquoted, q + 1)) if (s.charCodeAt(q - 1) === 0x22) return q - 1;
    return -1;
  }

  private far(s: string, from: number): number {
    for (let q = s.indexOf(this.tail, from + this.lead); q >= 0; q = s.indexOf(this.tail, q + 1)) {
      if (this.lead === 0 || s.startsWith(this.head, q - this.lead)) return q - this.lead;
    }
    return -1;
  }
}

const FINAL = '"final_executed_count":';

/** The fields of one record that summary and drift need; strings are undefined when absent. */
export interface ScannedRecord {
  /** A string, null (JSON null), or undefined (absent). */
  config_hash: string | null | undefined;
  config_hash_on_disk: string | undefined;
  timestamp: string | undefined;
  status: string | undefined;
  instance_id: string | undefined;
  event: string | undefined;
  /** On `startup` records: the code hash of the run. */
  code_hash: string | undefined;
  /** proposals.final_executed_count, else the number of orders with success true. */
  executed: number;
  /** The line needed JSON.parse (or was not JSON: then `invalid`). */
  odd: boolean;
  invalid: boolean;
}

/** Top-level string fields the scanner can extract. */
export const SCAN_KEYS = ['config_hash', 'config_hash_on_disk', 'timestamp', 'status', 'instance_id', 'event', 'code_hash'] as const;
export type ScanKey = (typeof SCAN_KEYS)[number];

/** Scans blocks of lines; one instance per input stream (cursors are per block). */
export class LineScanner {
  private readonly keys: Cursor[];
  private readonly bracket = new Cursor('[');
  private readonly success = new Cursor('"success"');
  private readonly final = new Cursor(FINAL);
  private readonly backslash = new Cursor('\\');
  private readonly rec: ScannedRecord = emptyRecord();
  /** Per key, the last string value read (undefined: not kept): a line repeating it gets the same string (equal by identity later). */
  private readonly seen: (string | undefined)[];
  private readonly set: Setter[];
  /** The current block is all ASCII. */
  private ascii = true;

  /**
   * Only the keys asked for are searched: a key absent from a log costs one pass over every
   * byte, so summary does not ask for instance_id or config_hash_on_disk. Fields not asked
   * for stay undefined (`executed` is always computed).
   */
  constructor(keys: readonly ScanKey[] = SCAN_KEYS) {
    this.keys = keys.map((k) => new Cursor(`"${k}":`));
    // A timestamp never repeats: comparing it with the last one would only cost.
    this.seen = keys.map((k) => (k === 'timestamp' ? undefined : ''));
    this.set = keys.map((k) => SETTERS[k]);
  }

  /** Calls `onRecord` for each line of buf[0, end) (skipping blank lines); `rec` is reused between calls. */
  scan(buf: Buffer, end: number, onRecord: (rec: ScannedRecord) => void): void {
    const s = buf.toString('latin1', 0, end);
    const bytes = buf.subarray(0, end);
    // Values need no check of their own in a block of ASCII without a backslash (almost every block).
    this.ascii = isAscii(bytes);
    this.backslash.reset();
    for (const c of this.keys) c.reset();
    this.bracket.reset();
    this.success.reset();
    this.final.reset();
    const rec = this.rec;
    for (let pos = 0; pos < end; ) {
      let nl = s.indexOf('\n', pos);
      if (nl < 0) nl = end;
      if (nl > pos && !(nl === pos + 1 && s.charCodeAt(pos) === 13)) {
        this.scanLine(s, bytes, pos, nl, rec);
        onRecord(rec);
      }
      pos = nl + 1;
    }
  }

  /** One line, s[start, end); `bytes` is the block's bytes (the same offsets). */
  private scanLine(s: string, bytes: Buffer, start: number, end: number, rec: ScannedRecord): void {
    if (s.charCodeAt(start) !== 0x7b) return this.slow(bytes, start, end, rec);
    let last = start;
    const escapes = this.backslash.find(s, start, end) >= 0;
    for (let i = 0; i < this.keys.length; i++) {
      const c = this.keys[i]!;
      const p = c.find(s, start, end);
      if (p < 0) {
        this.set[i]!(rec, undefined);
        continue;
      }
      const v = this.readScalar(s, bytes, p + c.needle.length, end, i, escapes);
      if (v === ODD) return this.slow(bytes, start, end, rec);
      this.set[i]!(rec, v);
      if (p > last) last = p;
    }
    // Keys before the first nested value are top-level for sure: no `{` (but the line's own)
    // and no `[` before the last key found. (Forward searches: String.lastIndexOf measured
    // about 15% slower overall. The next `{` is at most the next line's first byte; `[` may be
    // lines away, so its cursor remembers it.)
    if (last > start) {
      const brace = s.indexOf('{', start + 1);
      if ((brace >= 0 && brace < last) || this.bracket.find(s, start + 1, last) >= 0) return this.slow(bytes, start, end, rec);
    }
    // proposals.final_executed_count (proposals sits near the end of a cycle record). The fast path
    // takes the line's first one when it is a member of an object keyed "proposals" and a plain
    // integer; anything else goes to the parser. (Checking that it occurs only once cost 10% of a
    // summary; see inProposals for the one shape this reads differently from jq.)
    const f = this.final.find(s, start, end);
    if (f >= 0) {
      if (!inProposals(s, f, start)) return this.slow(bytes, start, end, rec);
      let v = f + FINAL.length;
      while (s.charCodeAt(v) === 32) v++;
      let n = 0;
      let digits = 0;
      let ch = s.charCodeAt(v);
      for (; ch >= 48 && ch <= 57; ch = s.charCodeAt(++v)) {
        n = n * 10 + (ch - 48);
        digits++;
      }
      if (digits === 0 || !(ch === 0x2c || ch === 0x7d || ch === 0x20)) return this.slow(bytes, start, end, rec);
      rec.executed = n;
    } else if (this.success.find(s, start, end) >= 0) {
      return this.slow(bytes, start, end, rec); // no proposals: orders are counted from the objects
    } else {
      rec.executed = 0;
    }
    rec.odd = false;
    rec.invalid = false;
  }

  /**
   * The value at `v` of key `i`: a JSON string without escapes, null, or a plain token; ODD for anything
   * needing a parser. A string equal to the key's value on an earlier line is returned as that string.
   * The escape and non-ASCII checks are per line and block (a line without a backslash, a block of
   * ASCII): a loop over each value's characters cost about as much as finding the keys.
   */
  private readScalar(s: string, bytes: Buffer, v: number, end: number, i: number, escapes: boolean): string | null | typeof ODD {
    while (s.charCodeAt(v) === 32) v++;
    const c = s.charCodeAt(v);
    if (c === 0x22) {
      const close = s.indexOf('"', v + 1);
      if (close < 0 || close >= end) return ODD;
      // An escape, or a non-ASCII byte (latin1 would mis-decode UTF-8): let JSON.parse do it.
      if (escapes) {
        const b = s.indexOf('\\', v + 1);
        if (b >= 0 && b < close) return ODD;
      }
      const val = s.slice(v + 1, close);
      if (!this.ascii && !isAscii(bytes.subarray(v + 1, close))) return ODD;
      const seen = this.seen[i];
      if (seen === undefined) return val;
      if (val === seen) return seen;
      this.seen[i] = val;
      return val;
    }
    if (c === 0x6e && s.startsWith('null', v)) return null;
    return ODD;
  }

  private slow(buf: Buffer, start: number, end: number, rec: ScannedRecord): void {
    rec.odd = true;
    let o: unknown;
    try {
      o = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      o = undefined;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      Object.assign(rec, emptyRecord(), { odd: true, invalid: true });
      return;
    }
    const r = o as Record<string, unknown>;
    const str = (v: unknown) => (v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v));
    rec.invalid = false;
    rec.config_hash = r.config_hash === null ? null : str(r.config_hash);
    rec.config_hash_on_disk = str(r.config_hash_on_disk ?? undefined);
    rec.timestamp = str(r.timestamp ?? undefined);
    rec.status = str(r.status ?? undefined);
    rec.instance_id = str(r.instance_id ?? undefined);
    rec.event = str(r.event ?? undefined);
    rec.code_hash = str(r.code_hash ?? undefined);
    rec.executed = executedOf(r);
  }
}

const ODD = Symbol('odd');

/**
 * The member at `f` sits directly in an object keyed "proposals" (`"proposals":{` or `"proposals": {`,
 * no object closed in between). Whether that object is itself top-level is not checked: a line whose
 * first proposals object is nested deeper (never written by us or the legacy bot) is read as if it were.
 */
function inProposals(s: string, f: number, start: number): boolean {
  let open = f - 1;
  for (let c = s.charCodeAt(open); c !== 0x7b; c = s.charCodeAt(--open)) if (c === 0x7d || open <= start) return false;
  let q = open - 1;
  while (s.charCodeAt(q) === 32) q--;
  if (s.charCodeAt(q) !== 0x3a) return false;
  q--;
  while (s.charCodeAt(q) === 32) q--;
  return q - PROPOSALS.length + 1 > start && s.startsWith(PROPOSALS, q - PROPOSALS.length + 1);
}

const PROPOSALS = '"proposals"';

type Setter = (rec: ScannedRecord, v: string | null | undefined) => void;

/** One store per key (a store under a computed key name was a measurable part of the scan). */
const SETTERS: Record<ScanKey, Setter> = {
  config_hash: (r, v) => (r.config_hash = v),
  config_hash_on_disk: (r, v) => (r.config_hash_on_disk = v ?? undefined),
  timestamp: (r, v) => (r.timestamp = v ?? undefined),
  status: (r, v) => (r.status = v ?? undefined),
  instance_id: (r, v) => (r.instance_id = v ?? undefined),
  event: (r, v) => (r.event = v ?? undefined),
  code_hash: (r, v) => (r.code_hash = v ?? undefined),
};

/** Orders executed by one parsed record (the rule the fast path follows). */
export function executedOf(r: Record<string, unknown>): number {
  const p = r.proposals as { final_executed_count?: unknown } | null | undefined;
  if (p && typeof p.final_executed_count === 'number') return p.final_executed_count;
  const orders = r.orders;
  return Array.isArray(orders) ? orders.filter((o) => o !== null && typeof o === 'object' && (o as { success?: unknown }).success === true).length : 0;
}

function emptyRecord(): ScannedRecord {
  return {
    config_hash: undefined,
    config_hash_on_disk: undefined,
    timestamp: undefined,
    status: undefined,
    instance_id: undefined,
    event: undefined,
    code_hash: undefined,
    executed: 0,
    odd: false,
    invalid: false,
  };
}
