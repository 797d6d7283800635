/** Shared market math for the stages: plain functions over numbers and bars (bars.ts), no state. */
import type { Bars } from '../exchange/bars.ts';

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
 * Element i belongs to bar i + 1.
 */
export function trueRanges(bars: Bars): number[] {
  const out: number[] = [];
  for (let i = 1; i < bars.length; i++) out.push(trueRange(bars, i));
  return out;
}

/** True range of bar i against the previous close (i >= 1). */
function trueRange(bars: Bars, i: number): number {
  const high = bars.high(i);
  const low = bars.low(i);
  const prevClose = bars.close(i - 1);
  return Math.max(high - low, Math.abs(high - prevClose), Math.abs(low - prevClose));
}

/**
 * Wilder's average true range over bars[from..] (the whole series by default): the first value
 * is the simple mean of the first `period` true ranges, then ATR = (ATR * (period - 1) + TR) / period
 * for each later bar. Needs period + 1 bars (each true range needs a previous close); NaN with fewer.
 */
export function atrWilder(bars: Bars, period: number, from = 0): number {
  const n = bars.length - 1 - from; // true ranges
  if (period < 1 || n < period) return Number.NaN;
  // One pass, no arrays or closures: this runs for every symbol every cycle.
  let sum = 0;
  for (let i = from + 1; i <= from + period; i++) sum += trueRange(bars, i);
  let atr = sum / period;
  for (let i = from + period + 1; i < bars.length; i++) atr = (atr * (period - 1) + trueRange(bars, i)) / period;
  return atr;
}

/** Wilder ATR as a percent of the last close. */
export function atrPct(bars: Bars, period: number): number {
  if (bars.length === 0) return Number.NaN;
  return (atrWilder(bars, period) / bars.close(bars.length - 1)) * 100;
}

/**
 * Volume of the last bar divided by the mean volume of the `window` bars before it.
 * NaN when there are fewer than window + 1 bars or the earlier bars traded nothing.
 */
export function volumeRatio(bars: Bars, window: number): number {
  if (window < 1 || bars.length < window + 1) return Number.NaN;
  const last = bars.length - 1;
  // Summed in place, in the same order mean() would.
  let sum = 0;
  for (let i = last - window; i < last; i++) sum += bars.volume(i);
  const avg = sum / window;
  return avg > 0 ? bars.volume(last) / avg : Number.NaN;
}

/** Highest high of bars[from..to) (all bars by default). -Infinity for none. */
export function highestHigh(bars: Bars, from = 0, to = bars.length): number {
  let h = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) if (bars.high(i) > h) h = bars.high(i);
  return h;
}

/** Lowest low of bars[from..to) (all bars by default). +Infinity for none. */
export function lowestLow(bars: Bars, from = 0, to = bars.length): number {
  let l = Number.POSITIVE_INFINITY;
  for (let i = from; i < to; i++) if (bars.low(i) < l) l = bars.low(i);
  return l;
}

/**
 * Of the last `count` bar-to-bar close changes, how many went up and how many down
 * (unchanged closes count as neither). Needs count + 1 bars; counts what exists otherwise.
 */
export function closeDirections(bars: Bars, count: number): { up: number; down: number } {
  let up = 0;
  let down = 0;
  const start = Math.max(1, bars.length - count);
  for (let i = start; i < bars.length; i++) {
    const d = bars.close(i) - bars.close(i - 1);
    if (d > 0) up++;
    else if (d < 0) down++;
  }
  return { up, down };
}

// 10 ** dp for the usual dp, computed once (the trigger stage rounds a few readings per symbol per cycle).
const POW10 = Array.from({ length: 16 }, (_, dp) => 10 ** dp);

/** A number rounded to `dp` decimals (for reason details and metrics; never for trading math). */
export function roundTo(x: number, dp: number): number {
  if (!Number.isFinite(x)) return x;
  const f = POW10[dp] ?? 10 ** dp;
  return Math.round(x * f) / f;
}
