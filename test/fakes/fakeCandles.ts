/**
 * The fake Coinbase's candles: a market shape anchored to the fake's own start (its origin), never to
 * the wall clock's phase, so a test sees the same market at any hour of any day.
 *
 * Bars keep Coinbase's alignment (a bar starts at a multiple of its granularity, UTC), but the shape is a
 * function of k, the bar's index relative to the bar the origin falls in (k = -1: the last bar closed at
 * the origin). Relative to the product's price:
 * - k < -8: a calm history (±0.3% wobble around -1.6%), volume 10–16;
 * - -8 ≤ k < 8: a breakout: +0.2% a bar on 1.5–3× volume. A daemon started at the origin sees closed
 *   bars rising on rising volume on its first cycle (price move, momentum and volume triggers point up),
 *   and so do the bars that close in the next two hours of a 15m run;
 * - k ≥ 8: a slow wave (±1%, ~31 bars a period) starting upwards, so longer runs see both directions.
 */

/** Coinbase granularity names and their seconds (Advanced Trade `GET /market/products/{id}/candles`). */
export const GRANULARITY_SECONDS: Readonly<Record<string, number>> = {
  ONE_MINUTE: 60,
  FIVE_MINUTE: 300,
  FIFTEEN_MINUTE: 900,
  THIRTY_MINUTE: 1800,
  ONE_HOUR: 3600,
  TWO_HOUR: 7200,
  SIX_HOUR: 21600,
  ONE_DAY: 86400,
};

const RAMP_BARS = 8;
const RAMP_STEP = 0.002;
const BASE = -RAMP_BARS * RAMP_STEP;

/** The price offset (a fraction of the product price) at the open of bar k. */
export function offsetAt(k: number): number {
  if (k < -RAMP_BARS) return BASE + 0.003 * Math.sin(k / 3);
  if (k < RAMP_BARS) return BASE + RAMP_STEP * (k + RAMP_BARS);
  return -BASE + 0.01 * Math.sin((k - RAMP_BARS) / 5);
}

/** Base volume of bar k: busier during the breakout. */
export function volumeAt(k: number): number {
  const calm = 10 + (((k % 7) + 7) % 7);
  return k >= -RAMP_BARS && k < RAMP_BARS ? calm * 2.5 : calm;
}

/** One bar as Coinbase renders it (strings, `start` in seconds). */
export interface CandleRow {
  start: string;
  low: string;
  high: string;
  open: string;
  close: string;
  volume: string;
}

/**
 * Bars of `granularitySeconds` whose start lies in [startSec, min(endSec, nowSec)], newest first as
 * Coinbase answers (the bar still forming included), shaped around `price` relative to `originMs`.
 */
export function fakeCandles(o: { price: number; originMs: number; nowMs: number; startSec: number; endSec: number; granularitySeconds: number; round: (x: number) => number }): CandleRow[] {
  const sec = o.granularitySeconds;
  const originBar = Math.floor(o.originMs / 1000 / sec);
  const nowSec = Math.floor(o.nowMs / 1000);
  const out: CandleRow[] = [];
  for (let t = Math.ceil(o.startSec / sec) * sec; t <= Math.min(o.endSec, nowSec); t += sec) {
    const k = t / sec - originBar;
    const open = o.round(o.price * (1 + offsetAt(k)));
    const close = o.round(o.price * (1 + offsetAt(k + 1)));
    out.push({
      start: String(t),
      low: String(o.round(Math.min(open, close) * 0.999)),
      high: String(o.round(Math.max(open, close) * 1.001)),
      open: String(open),
      close: String(close),
      volume: String(volumeAt(k)),
    });
  }
  return out.reverse();
}
