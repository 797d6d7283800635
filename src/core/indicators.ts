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

/** Median of the values (mean of the middle two for an even count); NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
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

/**
 * Wilder's average true range over the whole series: the first value is the simple mean of the
 * first `period` true ranges, then ATR = (ATR * (period - 1) + TR) / period for each later bar.
 * Needs period + 1 candles (each true range needs a previous close); NaN with fewer.
 */
export function atrWilder(candles: readonly Candle[], period: number): number {
  const n = candles.length - 1; // true ranges
  if (period < 1 || n < period) return Number.NaN;
  // One pass, no arrays: this runs for every symbol every cycle (see the pipeline benchmark).
  const tr = (i: number) => {
    const c = candles[i]!;
    const prevClose = candles[i - 1]!.close;
    return Math.max(c.high - c.low, Math.abs(c.high - prevClose), Math.abs(c.low - prevClose));
  };
  let sum = 0;
  for (let i = 1; i <= period; i++) sum += tr(i);
  let atr = sum / period;
  for (let i = period + 1; i <= n; i++) atr = (atr * (period - 1) + tr(i)) / period;
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
  const last = candles[candles.length - 1]!;
  const avg = mean(candles.slice(-window - 1, -1).map((c) => c.volume));
  return avg > 0 ? last.volume / avg : Number.NaN;
}

/** Highest high of the bars. -Infinity for none. */
export function highestHigh(candles: readonly Candle[]): number {
  let h = Number.NEGATIVE_INFINITY;
  for (const c of candles) if (c.high > h) h = c.high;
  return h;
}

/** Lowest low of the bars. +Infinity for none. */
export function lowestLow(candles: readonly Candle[]): number {
  let l = Number.POSITIVE_INFINITY;
  for (const c of candles) if (c.low < l) l = c.low;
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
