/**
 * Stage 2, triggers: detect the market regime from the universe's own candles, then find symbols
 * whose recent price or volume is worth a look under that regime's thresholds.
 * Pure: candles and time come in the snapshot.
 *
 * Scales (documented because the proposal stage builds on them):
 * - strength = clamp(observed / threshold - 1, 0, 1): 0 exactly at the threshold, 1 at twice it.
 *   Breakout has no threshold ratio; its strength is the distance past the broken level in ATRs,
 *   clamped to [0, 1] (one full ATR beyond the level is full strength).
 * - confidence = share of four directional readings that agree with the trigger's direction:
 *   the 15m move, the 60m move (both on 15m bars), the last 1h bar's change and the change over
 *   the momentum window. 1 = everything points the same way; unchanged readings do not agree.
 * - ATR is Wilder's (see indicators.atrWilder), on 1h bars, as a percent of the last close.
 * - Observed percentages and ratios are rounded to 9 decimals before any comparison, so a
 *   100 -> 101.5 move is exactly 1.5% and fires a 1.5% threshold despite binary floating point.
 */
import type { RegimeThresholds, Signals } from '../config/schema/signals.ts';
import { TIMEFRAME_MS } from '../exchange/types.ts';
import type { Bars } from '../exchange/bars.ts';
import {
  atrWilder,
  clamp,
  closeDirections,
  highestHigh,
  lowestLow,
  median,
  pctChange,
  roundTo,
  volumeRatio,
} from './indicators.ts';
import type { MarketSnapshot, Regime, Trigger, TriggerResult, TriggerType, UniverseAsset } from './types.ts';

/** Trigger types in their tie-break order. */
export const TRIGGER_TYPES: readonly TriggerType[] = ['price_move', 'volume_spike', 'breakout', 'momentum'];

/** Hours of 1h volume the last hour is compared against (the "24h" in volume_ratio_1h_24h). */
export const VOLUME_BASELINE_HOURS = 24;
/** 15m bars: the last close and the closes 1 and 4 bars before it (15m and 60m moves). */
export const M15_BARS_NEEDED = 5;
/** A series whose last bar closed more than this many bar lengths before `now` is stale. */
export const STALE_AFTER_BARS = 2;

/** The part of signals.yaml the trigger scan reads (not `strategies:`). */
export type TriggerSignals = Pick<Signals, 'regime' | 'triggers'>;

/** What scanTriggers needs: thresholds, the eligible assets and this cycle's candles. */
export interface TriggerInput {
  signals: TriggerSignals;
  assets: readonly UniverseAsset[];
  snapshot: MarketSnapshot;
}

/** TriggerResult plus the numbers behind the regime (for the audit record and debugging). */
export interface TriggerScan extends TriggerResult {
  /** Median % change over regime.lookback_hours across the assets with data; NaN when none had. */
  regimeMovePct: number;
  /** How many assets had the data to vote on the regime. */
  regimeVoters: number;
}

type Series = { m15: Bars; h1: Bars };

const show = (x: number): string => String(roundTo(x, 4));
const render = (code: string, fields: Record<string, number | string>): string =>
  `${code}: ${Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? show(v) : v}`)
    .join(', ')}`;

/** 9-decimal rounding applied to observed values before comparing them with thresholds. */
const obs = (x: number): number => roundTo(x, 9);

/** clamp(observed / threshold - 1, 0, 1); a zero threshold always gives full strength. */
export function strengthPastThreshold(observed: number, threshold: number): number {
  if (!(threshold > 0)) return 1;
  return obs(clamp(observed / threshold - 1, 0, 1));
}

/** The regime for a median move: crash and bear are checked before bull; anything else is chop. */
export function classifyRegime(movePct: number, regime: Signals['regime']): Regime {
  if (Number.isNaN(movePct)) return 'chop';
  if (movePct <= regime.crash_move_pct) return 'crash';
  if (movePct <= regime.bear_move_pct) return 'bear';
  if (movePct >= regime.bull_move_pct) return 'bull';
  return 'chop';
}

/** Why a symbol's candles cannot be used at all (missing, bad, with holes, stale), or undefined. Length is checked later. */
function dataProblem(series: Series | undefined, now: number, used: { h1: number; m15: number }): string | undefined {
  if (!series) return render('insufficient_data', { h1: 0, m15: 0 });
  const { h1, m15 } = series;
  // Only the bars the stages read are checked: older ones cannot affect a decision.
  let bad = h1.firstBad(Math.max(0, h1.length - used.h1));
  if (bad >= 0) return render('bad_candle', { timeframe: 'h1', index: bad });
  bad = m15.firstBad(Math.max(0, m15.length - used.m15));
  if (bad >= 0) return render('bad_candle', { timeframe: 'm15', index: bad });
  return (
    gap(h1, 'h1', HOUR_MS, h1.length - used.h1) ??
    gap(m15, 'm15', QUARTER_MS, m15.length - used.m15) ??
    staleness(h1, 'h1', HOUR_MS, now) ??
    staleness(m15, 'm15', QUARTER_MS, now)
  );
}

/**
 * Missing bars among the used ones: "the change over 4 bars" would then span more than 60 minutes,
 * and a breakout level more than its lookback. Liquid products (the universe's volume floors) trade
 * in every bar, so a hole means the feed lost data.
 */
function gap(bars: Bars, tf: 'h1' | 'm15', barMs: number, from: number): string | undefined {
  const i = bars.firstGap(from, barMs);
  if (i < 0) return undefined;
  const step = bars.ts(i) - bars.ts(i - 1);
  return render('candle_gap', { timeframe: tf, index: i, missing_bars: Math.round(step / barMs) - 1 });
}

const HOUR_MS = TIMEFRAME_MS['1h'];
const QUARTER_MS = TIMEFRAME_MS['15m'];

/** A series whose last bar closed more than STALE_AFTER_BARS bars ago. */
function staleness(bars: Bars, tf: 'h1' | 'm15', barMs: number, now: number): string | undefined {
  if (bars.length === 0) return undefined;
  const closedAt = bars.ts(bars.length - 1) + barMs;
  if (now - closedAt <= STALE_AFTER_BARS * barMs) return undefined;
  return render('stale_candles', { timeframe: tf, age_minutes: (now - closedAt) / 60_000 });
}

/**
 * ATR is computed over the last ATR_WINDOW_PERIODS × period bars (plus one), not over
 * whatever history the market returned: the value then does not depend on the fetch size,
 * and Wilder's smoothing has decayed the seed to under 2% ((13/14)^56 for period 14).
 */
export const ATR_WINDOW_PERIODS = 4;

/** 1h bars a symbol needs for every trigger and the ATR filter. */
export function h1BarsNeeded(signals: TriggerSignals): number {
  const t = signals.triggers;
  return Math.max(t.atr.period + 1, VOLUME_BASELINE_HOURS + 1, t.breakout_lookback_hours + 1, t.momentum_lookback_hours + 1);
}

const dirOf = (x: number): 'up' | 'down' => (x > 0 ? 'up' : 'down');

// symbolTriggers runs for every eligible symbol every cycle, so it allocates nothing but the
// triggers that fire: no arrays of readings, no per-call closures (tsx names each closure it
// creates), no slices. Its garbage set how often the 300-symbol benchmark paused for a scavenge,
// and those pauses were the benchmark's p99 (1.1 MB of the cycle's 1.6 MB before this).

const agrees = (dir: 'up' | 'down', r: number): number => ((dir === 'up' ? r > 0 : r < 0) ? 1 : 0);

/** A trigger's confidence: the share of the four directional readings that agree with `dir` (unchanged readings do not). */
function agreement(dir: 'up' | 'down', a: number, b: number, c: number, d: number): number {
  return (agrees(dir, a) + agrees(dir, b) + agrees(dir, c) + agrees(dir, d)) / 4;
}

/** Appends to `out` all triggers one symbol fires under thresholds `t` (before the min_strength filter). */
function symbolTriggers(out: Trigger[], symbol: string, s: Series, signals: TriggerSignals, t: RegimeThresholds, atr: number, atrP: number): void {
  const { h1, m15 } = s;
  const cfg = signals.triggers;
  const last15 = m15.close(m15.length - 1);
  const last1h = h1.close(h1.length - 1);
  const move15 = obs(pctChange(m15.close(m15.length - 2), last15));
  const move60 = obs(pctChange(m15.close(m15.length - 5), last15));
  const change1h = obs(pctChange(h1.close(h1.length - 2), last1h));
  const M = cfg.momentum_lookback_hours;
  const changeMom = obs(pctChange(h1.close(h1.length - 1 - M), last1h));
  const atrPct = obs(atrP);

  // price_move: either window past its threshold; the stronger one sets the direction (the 15m
  // window on a tie).
  const hit15 = Math.abs(move15) >= t.price_move_15m_pct;
  const hit60 = Math.abs(move60) >= t.price_move_60m_pct;
  if (hit15 || hit60) {
    const s15 = strengthPastThreshold(Math.abs(move15), t.price_move_15m_pct);
    const s60 = strengthPastThreshold(Math.abs(move60), t.price_move_60m_pct);
    const use60 = hit60 && (!hit15 || s60 > s15);
    const direction = dirOf(use60 ? move60 : move15);
    out.push({
      symbol,
      type: 'price_move',
      direction,
      strength: use60 ? s60 : s15,
      confidence: agreement(direction, move15, move60, change1h, changeMom),
      price: last15,
      metrics: {
        atr_pct: atrPct,
        move_15m_pct: move15,
        move_60m_pct: move60,
        threshold_15m_pct: t.price_move_15m_pct,
        threshold_60m_pct: t.price_move_60m_pct,
      },
    });
  }

  // volume_spike: last hour against the average hour of the 24 before it; direction from the last 1h change.
  const ratio = obs(volumeRatio(h1, VOLUME_BASELINE_HOURS));
  if (ratio >= t.volume_ratio_1h_24h) {
    const direction = dirOf(change1h);
    out.push({
      symbol,
      type: 'volume_spike',
      direction,
      strength: strengthPastThreshold(ratio, t.volume_ratio_1h_24h),
      confidence: agreement(direction, move15, move60, change1h, changeMom),
      price: last1h,
      metrics: {
        atr_pct: atrPct,
        volume_ratio: ratio,
        threshold: t.volume_ratio_1h_24h,
        change_1h_pct: change1h,
      },
    });
  }

  // breakout: last close strictly beyond the range of the previous N bars; strength in ATRs past the level.
  const N = cfg.breakout_lookback_hours;
  const priorFrom = Math.max(0, h1.length - 1 - N);
  const hi = highestHigh(h1, priorFrom, h1.length - 1);
  const lo = lowestLow(h1, priorFrom, h1.length - 1);
  if (last1h > hi || last1h < lo) {
    const up = last1h > hi;
    const level = up ? hi : lo;
    const distanceAtr = obs(Math.abs(last1h - level) / atr);
    const direction = up ? 'up' : 'down';
    out.push({
      symbol,
      type: 'breakout',
      direction,
      strength: obs(clamp(distanceAtr, 0, 1)),
      confidence: agreement(direction, move15, move60, change1h, changeMom),
      price: last1h,
      metrics: {
        atr_pct: atrPct,
        level,
        distance_atr: distanceAtr,
        lookback_hours: N,
      },
    });
  }

  // momentum: change over M hours past the threshold, with most of those M bars moving the same way.
  if (!(Math.abs(changeMom) >= t.momentum_min_pct)) return;
  const { up: upBars, down: downBars } = closeDirections(h1, M);
  const sameWay = changeMom > 0 ? upBars : downBars;
  if (sameWay > M / 2) {
    const direction = dirOf(changeMom);
    out.push({
      symbol,
      type: 'momentum',
      direction,
      strength: strengthPastThreshold(Math.abs(changeMom), t.momentum_min_pct),
      confidence: agreement(direction, move15, move60, change1h, changeMom),
      price: last1h,
      metrics: {
        atr_pct: atrPct,
        change_pct: changeMom,
        threshold: t.momentum_min_pct,
        up_bars: upBars,
        down_bars: downBars,
      },
    });
  }
}

/** Stage 2: the regime, the strongest triggers (at most max_per_cycle) and the symbols skipped with why. */
export function scanTriggers(input: TriggerInput): TriggerScan {
  const { signals, assets, snapshot } = input;
  const cfg = signals.triggers;
  const L = signals.regime.lookback_hours;

  const atrWindow = ATR_WINDOW_PERIODS * cfg.atr.period + 1;
  // Every 1h bar a decision reads: the triggers', the ATR window's and the regime vote's.
  const used = { h1: Math.max(h1BarsNeeded(signals), atrWindow, L + 1), m15: M15_BARS_NEEDED };
  // Why each asset's data is unusable (by position in `assets`), undefined when it is clean.
  const problems: (string | undefined)[] = [];
  const moves: number[] = [];
  for (const a of assets) {
    const series = snapshot.candles[a.symbol];
    const problem = dataProblem(series, snapshot.now, used);
    problems.push(problem);
    // Every asset with clean data votes on the regime, including ones the ATR filter drops:
    // quiet assets are part of the market too.
    if (!problem && series && series.h1.length >= L + 1) {
      const h1 = series.h1;
      moves.push(pctChange(h1.close(h1.length - 1 - L), h1.close(h1.length - 1)));
    }
  }
  const regimeMovePct = obs(median(moves));
  const regime = classifyRegime(regimeMovePct, signals.regime);
  const thresholds = cfg.by_regime[regime];

  const needH1 = h1BarsNeeded(signals);
  const skipped: TriggerResult['skipped'] = [];
  const all: Trigger[] = [];
  for (let i = 0; i < assets.length; i++) {
    const a = assets[i]!;
    const problem = problems[i];
    if (problem) {
      skipped.push({ symbol: a.symbol, reason: problem });
      continue;
    }
    const series = snapshot.candles[a.symbol]!;
    if (series.h1.length < needH1 || series.m15.length < M15_BARS_NEEDED) {
      skipped.push({
        symbol: a.symbol,
        reason: render('insufficient_data', {
          h1: series.h1.length,
          need_h1: needH1,
          m15: series.m15.length,
          need_m15: M15_BARS_NEEDED,
        }),
      });
      continue;
    }
    const atr = atrWilder(series.h1, cfg.atr.period, Math.max(0, series.h1.length - atrWindow));
    const atrP = (atr / series.h1.close(series.h1.length - 1)) * 100;
    if (!(obs(atrP) >= cfg.atr.min_pct && obs(atrP) <= cfg.atr.max_pct)) {
      skipped.push({ symbol: a.symbol, reason: render('atr_filter', { atr_pct: atrP, min: cfg.atr.min_pct, max: cfg.atr.max_pct }) });
      continue;
    }
    symbolTriggers(all, a.symbol, series, signals, thresholds, atr, atrP);
  }

  const triggers = all
    .filter((t) => t.strength >= cfg.min_strength)
    .sort(
      (a, b) =>
        b.strength - a.strength ||
        (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0) ||
        TRIGGER_TYPES.indexOf(a.type) - TRIGGER_TYPES.indexOf(b.type),
    )
    .slice(0, cfg.max_per_cycle);
  return { regime, triggers, skipped, regimeMovePct, regimeVoters: moves.length };
}
