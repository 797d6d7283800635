/**
 * One candle row from a CSV or JSONL file, checked. Pure: text in, a row or a reason out.
 *
 * Columns (CSV header or JSONL keys, case-insensitive; unknown columns are ignored):
 *   timestamp (or time, ts, date, datetime, open_time): the bar's OPEN time — ISO-8601 (UTC when
 *     no offset is given), epoch milliseconds, or epoch seconds (a number below 1e11);
 *   open, high, low, close: positive prices; volume: base units, >= 0;
 *   symbol (or product_id, pair, market), optional: BTC-USD or BTC/USD; else the file name says it;
 *   spread_bps, volume_24h_usd, optional: override the derived spread and 24h volume at that bar.
 * A CSV without a header is read as timestamp,open,high,low,close,volume[,symbol]; a JSONL line
 * may also be a ccxt OHLCV array [timestamp, open, high, low, close, volume].
 */
import type { Candle } from '../types.ts';

/** A checked row; optional numbers are NaN when absent. */
export interface CandleRow extends Candle {
  symbol: string | undefined;
  spreadBps: number;
  volume24hUsd: number;
}

/** The fields a row can carry, in the order of a header-less CSV. */
export const FIELDS = ['timestamp', 'open', 'high', 'low', 'close', 'volume', 'symbol', 'spread_bps', 'volume_24h_usd'] as const;
export type Field = (typeof FIELDS)[number];
const REQUIRED: readonly Field[] = ['timestamp', 'open', 'high', 'low', 'close', 'volume'];

const ALIASES: Readonly<Record<string, Field>> = {
  timestamp: 'timestamp',
  time: 'timestamp',
  ts: 'timestamp',
  date: 'timestamp',
  datetime: 'timestamp',
  open_time: 'timestamp',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  volume: 'volume',
  symbol: 'symbol',
  product_id: 'symbol',
  pair: 'symbol',
  market: 'symbol',
  spread_bps: 'spread_bps',
  volume_24h_usd: 'volume_24h_usd',
};

/** The field a column name stands for, or undefined for a column we ignore. */
export const fieldOf = (name: string): Field | undefined => ALIASES[name.trim().replace(/^"|"$/g, '').toLowerCase()];

/** Column index of each field in a CSV header; throws a message when a required one is missing. */
export function headerColumns(names: readonly string[]): Partial<Record<Field, number>> {
  const cols: Partial<Record<Field, number>> = {};
  names.forEach((n, i) => {
    const f = fieldOf(n);
    if (f !== undefined && cols[f] === undefined) cols[f] = i;
  });
  const missing = REQUIRED.filter((f) => cols[f] === undefined);
  if (missing.length) throw new Error(`missing_column: header has no ${missing.join(', ')} column (found: ${names.join(', ')})`);
  return cols;
}

/** Columns of a CSV without a header. */
export const HEADERLESS: Partial<Record<Field, number>> = { timestamp: 0, open: 1, high: 2, low: 3, close: 4, volume: 5, symbol: 6 };

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Epoch ms from an ISO-8601 string (UTC unless it has an offset), epoch ms, or epoch seconds; NaN if none of those. */
export function parseTimestamp(v: unknown): number {
  if (typeof v === 'number') return toMs(v);
  if (typeof v !== 'string') return Number.NaN;
  // Fast path (most rows of most files): full ISO-8601 in UTC, which Date.parse reads exactly.
  if (v.length >= 20 && v.charCodeAt(v.length - 1) === 90 /* Z */ && v.charCodeAt(10) === 84 /* T */) return Date.parse(v);
  const s = v.trim();
  if (NUMERIC.test(s)) return toMs(Number(s));
  const m = ISO.exec(s);
  if (!m) return Number.NaN;
  // Date.parse reads a date-time without an offset as local time: candle files mean UTC.
  return Date.parse(m[2] === undefined ? m[1]! : `${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
}

// 1e11 seconds is the year 5138; 1e11 ms is 1973. A number below it can only be seconds.
const toMs = (n: number): number => (Number.isFinite(n) ? (Math.abs(n) < 1e11 ? n * 1000 : n) : Number.NaN);

/** A number from a cell: numbers as they are, numeric strings parsed; '', words and anything else NaN. */
export function parseNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return Number.NaN;
  // Number() is several times faster than a regex test; it also takes '' (0) and '0x1f', refused here.
  const x = Number(v);
  if (x !== x || (x === 0 && v.trim() === '')) return Number.NaN;
  const c = v.charCodeAt(1) | 32; // 0x / 0o / 0b prefixes (Number() allows no sign before them)
  if (c === 120 || c === 111 || c === 98) return Number.NaN;
  return x;
}

/** BTC/USD, btc_usd, BTC-USD → BTC-USD; undefined when it is not BASE-QUOTE. */
export function normalizeSymbol(s: string): string | undefined {
  const out = s.trim().toUpperCase().replace(/[/_]/g, '-');
  return /^[A-Z0-9]{1,20}-[A-Z0-9]{1,10}$/.test(out) ? out : undefined;
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : String(v));

const empty = (v: unknown): boolean => v === undefined || v === null || v === '';

/** An optional number >= 0 (NaN when absent), or a reason. */
function optionalNumber(field: Field, raw: unknown): number | string {
  if (empty(raw)) return Number.NaN;
  const x = parseNumber(raw);
  return x >= 0 && Number.isFinite(x) ? x : `bad_number: ${field}: expected a number >= 0, got ${show(raw)}`;
}

/**
 * Checks one row's raw values, in FIELDS order (positional, no closures: this runs for every row
 * of a year of data); returns the row or a `code: detail` reason.
 */
export function checkRow(
  rawTs: unknown,
  rawOpen: unknown,
  rawHigh: unknown,
  rawLow: unknown,
  rawClose: unknown,
  rawVolume: unknown,
  rawSymbol?: unknown,
  rawSpread?: unknown,
  rawVolume24h?: unknown,
): CandleRow | string {
  const ts = parseTimestamp(rawTs);
  if (!Number.isFinite(ts)) return `bad_timestamp: timestamp: expected ISO-8601 or epoch ms/s, got ${show(rawTs)}`;
  const open = parseNumber(rawOpen);
  if (!(open > 0 && open < Infinity)) return `bad_number: open: expected a positive number, got ${show(rawOpen)}`;
  const high = parseNumber(rawHigh);
  if (!(high > 0 && high < Infinity)) return `bad_number: high: expected a positive number, got ${show(rawHigh)}`;
  const low = parseNumber(rawLow);
  if (!(low > 0 && low < Infinity)) return `bad_number: low: expected a positive number, got ${show(rawLow)}`;
  const close = parseNumber(rawClose);
  if (!(close > 0 && close < Infinity)) return `bad_number: close: expected a positive number, got ${show(rawClose)}`;
  const volume = parseNumber(rawVolume);
  if (!(volume >= 0 && volume < Infinity)) return `bad_number: volume: expected a number >= 0, got ${show(rawVolume)}`;
  if (high < low) return `bad_prices: high ${high} is below low ${low}`;
  if (high < Math.max(open, close)) return `bad_prices: high ${high} is below open/close ${Math.max(open, close)}`;
  if (low > Math.min(open, close)) return `bad_prices: low ${low} is above open/close ${Math.min(open, close)}`;
  let symbol: string | undefined;
  if (!empty(rawSymbol)) {
    symbol = normalizeSymbol(String(rawSymbol));
    if (!symbol) return `bad_symbol: symbol: expected BASE-QUOTE such as BTC-USD, got ${show(rawSymbol)}`;
  }
  const spreadBps = optionalNumber('spread_bps', rawSpread);
  if (typeof spreadBps === 'string') return spreadBps;
  const volume24hUsd = optionalNumber('volume_24h_usd', rawVolume24h);
  if (typeof volume24hUsd === 'string') return volume24hUsd;
  return { symbol, ts, open, high, low, close, volume, spreadBps, volume24hUsd };
}

/** Splits a CSV line on commas, dropping surrounding double quotes (fields never contain commas). */
export function splitCsv(line: string): string[] {
  const cells = line.split(',');
  if (line.indexOf('"') < 0 && line.indexOf(' ') < 0) return cells;
  for (let i = 0; i < cells.length; i++) {
    let c = cells[i]!;
    if (c.charCodeAt(0) === 32 || c.charCodeAt(c.length - 1) === 32) c = c.trim();
    if (c.length >= 2 && c.charCodeAt(0) === 34 && c.charCodeAt(c.length - 1) === 34) c = c.slice(1, -1);
    cells[i] = c;
  }
  return cells;
}

/** A JSONL value as raw values in FIELDS order: an object with named fields or a ccxt OHLCV array. */
export function jsonValues(value: unknown): unknown[] | string {
  if (Array.isArray(value)) {
    if (value.length < 6) return `bad_row: expected [timestamp, open, high, low, close, volume], got ${value.length} values`;
    return value;
  }
  if (value === null || typeof value !== 'object') return 'bad_row: expected a JSON object or array';
  const out: unknown[] = new Array(FIELDS.length);
  const seen = new Set<Field>();
  for (const [k, v] of Object.entries(value)) {
    const f = fieldOf(k);
    if (f === undefined || seen.has(f)) continue;
    seen.add(f);
    out[FIELDS.indexOf(f)] = v;
  }
  return out;
}
