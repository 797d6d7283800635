import { describe, expect, it } from 'vitest';
import { parseWalkForward, summarizeWalkForward, walkForwardWindows, type WindowResult } from '../../../src/backtest/sweep/walkForward.ts';
import type { SweepMetrics } from '../../../src/backtest/sweep/metrics.ts';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2025, 0, 8, 1);
const iso = (t: number) => new Date(t).toISOString().slice(0, 13);

describe('walk-forward windows', () => {
  it('train=2d,test=1d over 5 days of hourly cycles then 3 windows, each test right after its train', () => {
    // Cycles T0 .. T0+5d-1h. Window k starts at T0+k·1d and needs 3 days: k = 0, 1, 2 fit (the last ends at T0+5d-1h).
    const w = walkForwardWindows(parseWalkForward('train=2d,test=1d'), T0, T0 + 5 * D - H, H);
    expect(w.map((x) => [iso(x.train.from), iso(x.train.to), iso(x.test.from), iso(x.test.to)])).toEqual([
      ['2025-01-08T01', '2025-01-10T00', '2025-01-10T01', '2025-01-11T00'],
      ['2025-01-09T01', '2025-01-11T00', '2025-01-11T01', '2025-01-12T00'],
      ['2025-01-10T01', '2025-01-12T00', '2025-01-12T01', '2025-01-13T00'],
    ]);
  });

  it('data shorter than one window then a clear error with both lengths', () => {
    expect(() => walkForwardWindows(parseWalkForward('train=90d,test=30d'), T0, T0 + 60 * D - H, H)).toThrowErrorMatchingInlineSnapshot(
      `[UsageError: --walk-forward train=90d,test=30d: the data do not cover one window: it needs 120 days of cycles, the data give 60.0 (cycles from 2025-01-08 01:00 to 2025-03-09 00:00 UTC, after the history the loop reads first)]`,
    );
  });

  it('a malformed spec then refused; step defaults to test', () => {
    expect(() => parseWalkForward('train=90,test=30d')).toThrow(/expected train=DURATION,test=DURATION/);
    expect(() => parseWalkForward('train=90d')).toThrow(/needs both train= and test=/);
    expect(parseWalkForward('train=12w,test=36h')).toMatchObject({ trainMs: 84 * D, testMs: 36 * H, stepMs: 36 * H });
  });

  it('two windows then means IS and OOS and the OOS returns compounded', () => {
    const m = (ret: number, sharpe: number) => ({ return_pct: ret, net_usd: ret * 100, sharpe }) as SweepMetrics;
    const r = [
      { in_sample: m(4, 2), out_of_sample: m(1, 0.5) },
      { in_sample: m(6, 3), out_of_sample: m(-2, -1) },
    ] as WindowResult[];
    // OOS compounded: 1.01 × 0.98 − 1 = −1.02%
    expect(summarizeWalkForward(r, 'sharpe')).toEqual({
      windows: 2,
      in_sample_mean_objective: 2.5,
      out_of_sample_mean_objective: -0.25,
      in_sample_mean_return_pct: 5,
      out_of_sample_mean_return_pct: -0.5,
      out_of_sample_compounded_return_pct: -1.02,
      out_of_sample_net_usd: -100,
    });
  });
});
