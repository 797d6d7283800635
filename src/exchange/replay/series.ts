/**
 * Per-symbol candle series in columns (one Float64Array a field), sorted by time, with the data
 * set's bar interval. Built once at load; the exchange only ever binary-searches and slices them.
 */
import { CandleDataError, type SkippedRows } from './errors.ts';
import type { GivenRules } from './productsFile.ts';
import type { RawCandles, RowColumns } from './read.ts';

/** One symbol's bars at the data's own interval; optional columns hold NaN where a row had none. */
export interface SymbolSeries {
  symbol: string;
  length: number;
  ts: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  spreadBps: Float64Array;
  volume24hUsd: Float64Array;
  /** cumUsd[i] = Σ close × volume of bars 0..i-1: a window's USD volume in O(1). */
  cumUsd: Float64Array;
}

/** A loaded data set: what the replay exchange serves and the report describes. */
export interface ReplayData {
  /** The bar interval of the files (ms): 1h, or a divisor of 15m. */
  intervalMs: number;
  /** Sorted. */
  symbols: string[];
  series: ReadonlyMap<string, SymbolSeries>;
  /** Open time of the earliest bar and of the latest bar, over all symbols. */
  firstTs: number;
  lastTs: number;
  candles: number;
  files: string[];
  dataHash: string;
  skipped: SkippedRows;
  /** Trading rules from a products file (`--products`), by symbol; absent: derived from the closes seen so far. */
  products?: ReadonlyMap<string, GivenRules>;
}

const MINUTE = 60_000;
const M15 = 15 * MINUTE;
const H1 = 60 * MINUTE;

/** Bar intervals the replay can serve 15m and 1h bars from: 1h itself, or one that divides 15m. */
export const isSupportedInterval = (ms: number): boolean => ms === H1 || (ms > 0 && M15 % ms === 0 && ms % MINUTE === 0);

/** "1h", "15m", "30s"… for messages and reports. */
export function intervalLabel(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % H1 === 0) return `${ms / H1}h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`;
  return `${ms / 1000}s`;
}

/**
 * Sorts each symbol's rows by time (stable), reports duplicate times as bad rows, finds the bar
 * interval (the most common gap between two bars of a symbol; every symbol must agree), reports
 * rows off the interval's UTC grid, and packs what is left into typed columns.
 */
export function buildReplayData(raw: RawCandles): ReplayData {
  const { bad, files } = raw;
  const ordered = new Map<string, { cols: RowColumns; order: number[] }>();
  for (const symbol of [...raw.bySymbol.keys()].sort()) {
    const cols = raw.bySymbol.get(symbol)!;
    const ts = cols.ts;
    let order = ts.map((_, i) => i);
    // Files are almost always in time order already: sort only when they are not.
    if (ts.some((t, i) => i > 0 && t < ts[i - 1]!)) order.sort((a, b) => ts[a]! - ts[b]! || a - b);
    order = order.filter((r, k) => {
      const prev = order[k - 1];
      if (prev === undefined || ts[prev] !== ts[r]) return true;
      bad.report(files[cols.file[r]!]!, cols.line[r]!, `duplicate_timestamp: ${symbol} ${new Date(ts[r]!).toISOString()} already at ${files[cols.file[prev]!]}:${cols.line[prev]}`);
      return false;
    });
    if (order.length) ordered.set(symbol, { cols, order });
  }
  if (ordered.size === 0) throw new CandleDataError(`${files.join(', ')}: no usable candle rows`);

  const intervalMs = detectInterval(ordered);
  const series = new Map<string, SymbolSeries>();
  let candles = 0;
  let firstTs = Number.POSITIVE_INFINITY;
  let lastTs = Number.NEGATIVE_INFINITY;
  for (const [symbol, { cols, order }] of ordered) {
    const aligned = order.filter((r) => {
      if (cols.ts[r]! % intervalMs === 0) return true;
      bad.report(files[cols.file[r]!]!, cols.line[r]!, `misaligned_timestamp: ${new Date(cols.ts[r]!).toISOString()} is not on the ${intervalLabel(intervalMs)} bar grid (UTC)`);
      return false;
    });
    if (aligned.length === 0) continue;
    const s = pack(symbol, cols, aligned);
    series.set(symbol, s);
    candles += s.length;
    firstTs = Math.min(firstTs, s.ts[0]!);
    lastTs = Math.max(lastTs, s.ts[s.length - 1]!);
  }
  if (series.size === 0) throw new CandleDataError(`${files.join(', ')}: no usable candle rows`);
  return { intervalMs, symbols: [...series.keys()], series, firstTs, lastTs, candles, files, dataHash: raw.dataHash, skipped: bad.skipped };
}

/**
 * Each symbol's most common gap between consecutive bars (ties: the smaller) — the mode, not the
 * minimum, so one off-grid row is reported as such instead of halving the interval. All symbols
 * with two bars or more must agree.
 */
function detectInterval(ordered: ReadonlyMap<string, { cols: RowColumns; order: number[] }>): number {
  let found: { symbol: string; ms: number } | undefined;
  for (const [symbol, { cols, order }] of ordered) {
    const gaps = new Map<number, number>();
    for (let k = 1; k < order.length; k++) {
      const gap = cols.ts[order[k]!]! - cols.ts[order[k - 1]!]!;
      gaps.set(gap, (gaps.get(gap) ?? 0) + 1);
    }
    let ms = Number.NaN;
    let best = 0;
    for (const [gap, n] of gaps) if (n > best || (n === best && gap < ms)) [ms, best] = [gap, n];
    if (!Number.isFinite(ms)) continue;
    if (!found) found = { symbol, ms };
    else if (found.ms !== ms) {
      throw new CandleDataError(
        `mixed bar intervals: ${found.symbol} has ${intervalLabel(found.ms)} bars, ${symbol} has ${intervalLabel(ms)} bars (one interval per data set)`,
      );
    }
  }
  if (!found) throw new CandleDataError('cannot tell the bar interval: no symbol has two bars');
  if (!isSupportedInterval(found.ms)) {
    throw new CandleDataError(
      `bar interval ${intervalLabel(found.ms)} (${found.symbol}) is not supported: the loop needs 15m and 1h bars, so the data must be 1h bars or bars that divide 15m (1m, 5m, 15m)`,
    );
  }
  return found.ms;
}

function pack(symbol: string, cols: RowColumns, order: readonly number[]): SymbolSeries {
  const n = order.length;
  const take = (src: readonly number[]): Float64Array => {
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) out[k] = src[order[k]!]!;
    return out;
  };
  const s: SymbolSeries = {
    symbol,
    length: n,
    ts: take(cols.ts),
    open: take(cols.open),
    high: take(cols.high),
    low: take(cols.low),
    close: take(cols.close),
    volume: take(cols.volume),
    spreadBps: take(cols.spreadBps),
    volume24hUsd: take(cols.volume24hUsd),
    cumUsd: new Float64Array(n + 1),
  };
  for (let i = 0; i < n; i++) s.cumUsd[i + 1] = s.cumUsd[i]! + s.close[i]! * s.volume[i]!;
  return s;
}

/** Number of entries of a sorted array that are <= x (binary search). */
export function countAtOrBelow(a: Float64Array, x: number, length = a.length): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of entries of a sorted array that are < x. */
export function countBelow(a: Float64Array, x: number, length = a.length): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
