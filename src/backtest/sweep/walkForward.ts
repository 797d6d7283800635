/**
 * Walk-forward windows and their verdicts. `train=90d,test=30d,step=30d`: the first window trains
 * on the first 90 days of cycles and tests on the 30 after them; each next window starts `step`
 * later (default: the test length, so test spans follow each other). Every candidate runs on each
 * training span; the best by the objective then runs on the test span that follows, which it has
 * not seen. Each span is a fresh backtest (starting cash, empty book) with all earlier candles as
 * history. Pure: times in, windows out.
 */
import { UsageError } from '../../errors.ts';
import { byObjective, objectiveValue, type Objective, type SweepMetrics } from './metrics.ts';

/** Lengths of the training span, the test span and the step between windows, in ms. */
export interface WalkForwardSpec {
  trainMs: number;
  testMs: number;
  stepMs: number;
  /** As typed, for headers. */
  text: string;
}

/** A span of cycles, both ends included (ms UTC). */
export interface Span {
  from: number;
  to: number;
}

/** One window: train on `train`, test on `test`. */
export interface Window {
  index: number;
  train: Span;
  test: Span;
}

const UNITS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Parses `train=90d,test=30d[,step=30d]` (units h, d, w). */
export function parseWalkForward(s: string): WalkForwardSpec {
  const parts = new Map<string, number>();
  for (const item of s.split(',').map((x) => x.trim())) {
    const m = /^(train|test|step)=(\d+)([hdw])$/.exec(item);
    if (!m || parts.has(m[1]!) || Number(m[2]) <= 0) {
      throw new UsageError(`--walk-forward: expected train=DURATION,test=DURATION[,step=DURATION] with durations like 90d, 12w or 36h, got "${s}"`);
    }
    parts.set(m[1]!, Number(m[2]) * UNITS[m[3]!]!);
  }
  const trainMs = parts.get('train');
  const testMs = parts.get('test');
  if (trainMs === undefined || testMs === undefined) throw new UsageError(`--walk-forward: needs both train= and test=, got "${s}"`);
  return { trainMs, testMs, stepMs: parts.get('step') ?? testMs, text: s };
}

const day = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/**
 * The windows that fit between the first possible cycle and the last; at least one, or a
 * UsageError saying how much data the spec needs and how much there is.
 */
export function walkForwardWindows(spec: WalkForwardSpec, first: number, last: number, intervalMs: number): Window[] {
  const out: Window[] = [];
  for (let start = first; start + spec.trainMs + spec.testMs - intervalMs <= last; start += spec.stepMs) {
    const trainEnd = start + spec.trainMs;
    out.push({ index: out.length + 1, train: { from: start, to: trainEnd - intervalMs }, test: { from: trainEnd, to: trainEnd + spec.testMs - intervalMs } });
  }
  if (out.length === 0) {
    const needDays = (spec.trainMs + spec.testMs) / UNITS.d!;
    const haveDays = (last - first + intervalMs) / UNITS.d!;
    throw new UsageError(
      `--walk-forward ${spec.text}: the data do not cover one window: it needs ${needDays} days of cycles, the data give ${haveDays.toFixed(1)} (cycles from ${day(first)} to ${day(last)} UTC, after the history the loop reads first)`,
    );
  }
  return out;
}

/** A run's figures keyed by config hash. */
export interface Row {
  config_hash: string;
  metrics: SweepMetrics;
}

/** One window's verdict: the winner on train (best of `trials`) and its result on test. */
export interface WindowResult {
  window: Window;
  winner: string;
  trials: number;
  in_sample: SweepMetrics;
  out_of_sample: SweepMetrics;
}

/** The best training row of a window (by the objective, ties by hash). */
export function bestOf(rows: readonly Row[], objective: Objective): Row {
  return [...rows].sort(byObjective(objective))[0]!;
}

/** The overall walk-forward figures: means of the objective and return, IS against OOS, and the OOS returns compounded. */
export interface WalkForwardSummary {
  windows: number;
  in_sample_mean_objective: number | null;
  out_of_sample_mean_objective: number | null;
  in_sample_mean_return_pct: number;
  out_of_sample_mean_return_pct: number;
  out_of_sample_compounded_return_pct: number;
  out_of_sample_net_usd: number;
}

const r2 = (x: number) => Math.round(x * 100) / 100 + 0;
const meanOf = (xs: readonly (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : Math.round((v.reduce((s, x) => s + x, 0) / v.length) * 1e4) / 1e4 + 0;
};

/** Sums up the windows. */
export function summarizeWalkForward(results: readonly WindowResult[], objective: Objective): WalkForwardSummary {
  return {
    windows: results.length,
    in_sample_mean_objective: meanOf(results.map((r) => objectiveValue(r.in_sample, objective))),
    out_of_sample_mean_objective: meanOf(results.map((r) => objectiveValue(r.out_of_sample, objective))),
    in_sample_mean_return_pct: r2(results.reduce((s, r) => s + r.in_sample.return_pct, 0) / results.length),
    out_of_sample_mean_return_pct: r2(results.reduce((s, r) => s + r.out_of_sample.return_pct, 0) / results.length),
    out_of_sample_compounded_return_pct: r2((results.reduce((p, r) => p * (1 + r.out_of_sample.return_pct / 100), 1) - 1) * 100),
    out_of_sample_net_usd: r2(results.reduce((s, r) => s + r.out_of_sample.net_usd, 0)),
  };
}
