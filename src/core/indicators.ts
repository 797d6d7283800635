/** Shared market math for the stages: plain functions over numbers and candles, no state. */
import type { Candle } from '../exchange/types.ts';

/** Percent change from `from` to `to` (e.g. 100 -> 103 is 3). NaN when `from` is not a positive number. */
export function pctChange(from: number, to: number): number {
  if (!(from > 0) || !Number.isFinite(from) || !Number.isFinite(to)) return Number.NaN;
  return (to / from - 1) * 100;
}

/** `x` limited to [lo, hi]; NaN becomes `lo` so a bad reading can never look strong. */
export function clamp(x: number, lo: number, hi: number): number {
  if (Number.isNaN(x)) return lo;
  return Math.min(hi, Math.max(lo, x));
}

const ascending = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/** Median of the values (mean of the middle two for an even count); NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  // A comparator returning -1/0/1 orders exactly like `a - b` (NaN pairs count as equal in both) but
  // returns small integers: `a - b` boxed a heap number per comparison, ~30 KB of garbage per
  // 300-value median in the pipeline benchmark.
  const s = [...values].sort(ascending);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Arithmetic mean; NaN for an empty list. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Bid/ask spread in basis points of the mid: (ask - bid) / mid * 1e4. */
export function spreadBps(bid: number, ask: number): number {
  const mid = (bid + ask) / 2;
  return ((ask - bid) / mid) * 1e4;
}

/**
 * True range of each bar after the first: max(high - low, |high - prevClose|, |low - prevClose|).
 * Element i belongs to candles[i + 1].
 */
export function trueRanges(candles: readonly Candle[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < candles.length; i++) {
    const c = candles[i]!;
    const prevClose = candles[i - 1]!.close;
    out.push(Math.max(c.high - c.low, Math.abs(c.high - prevClose), Math.abs(c.low - prevClose)));
  }
  return out;
}

/** True range of candles[i] against the previous close (i >= 1). */
function trueRange(candles: readonly Candle[], i: number): number {
  const c = candles[i]!;
  const prevClose = candles[i - 1]!.close;
  return Math.max(c.high - c.low, Math.abs(c.high - prevClose), Math.abs(c.low - prevClose));
}

/**
 * Wilder's average true range over candles[from..] (the whole series by default): the first value
 * is the simple mean of the first `period` true ranges, then ATR = (ATR * (period - 1) + TR) / period
 * for each later bar. Needs period + 1 candles (each true range needs a previous close); NaN with fewer.
 */
export function atrWilder(candles: readonly Candle[], period: number, from = 0): number {
  const n = candles.length - 1 - from; // true ranges
  if (period < 1 || n < period) return Number.NaN;
  // One pass, no arrays or closures and `from` instead of a slice: this runs for every symbol every
  // cycle, and the garbage it made set how often the 300-symbol benchmark paused for a scavenge.
  let sum = 0;
  for (let i = from + 1; i <= from + period; i++) sum += trueRange(candles, i);
  let atr = sum / period;
  for (let i = from + period + 1; i < candles.length; i++) atr = (atr * (period - 1) + trueRange(candles, i)) / period;
  return atr;
}

/** Wilder ATR as a percent of the last close. */
export function atrPct(candles: readonly Candle[], period: number): number {
  const last = candles[candles.length - 1];
  if (!last) return Number.NaN;
  return (atrWilder(candles, period) / last.close) * 100;
}

/**
 * Volume of the last bar divided by the mean volume of the `window` bars before it.
 * NaN when there are fewer than window + 1 bars or the earlier bars traded nothing.
 */
export function volumeRatio(candles: readonly Candle[], window: number): number {
  if (window < 1 || candles.length < window + 1) return Number.NaN;
  const last = candles.length - 1;
  // Summed in place, in the same order mean() would: no slice, no array of volumes.
  let sum = 0;
  for (let i = last - window; i < last; i++) sum += candles[i]!.volume;
  const avg = sum / window;
  return avg > 0 ? candles[last]!.volume / avg : Number.NaN;
}

/** Highest high of candles[from..to) (all bars by default; a range saves a slice per call). -Infinity for none. */
export function highestHigh(candles: readonly Candle[], from = 0, to = candles.length): number {
  let h = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) if (candles[i]!.high > h) h = candles[i]!.high;
  return h;
}

/** Lowest low of candles[from..to) (all bars by default). +Infinity for none. */
export function lowestLow(candles: readonly Candle[], from = 0, to = candles.length): number {
  let l = Number.POSITIVE_INFINITY;
  for (let i = from; i < to; i++) if (candles[i]!.low < l) l = candles[i]!.low;
  return l;
}

/**
 * Of the last `bars` bar-to-bar close changes, how many went up and how many down
 * (unchanged closes count as neither). Needs bars + 1 candles; counts what exists otherwise.
 */
export function closeDirections(candles: readonly Candle[], bars: number): { up: number; down: number } {
  let up = 0;
  let down = 0;
  const start = Math.max(1, candles.length - bars);
  for (let i = start; i < candles.length; i++) {
    const d = candles[i]!.close - candles[i - 1]!.close;
    if (d > 0) up++;
    else if (d < 0) down++;
  }
  return { up, down };
}

/** A number rounded to `dp` decimals (for reason details and metrics; never for trading math). */
export function roundTo(x: number, dp: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** dp;
  return Math.round(x * f) / f;
}
