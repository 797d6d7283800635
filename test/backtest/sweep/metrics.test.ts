import { describe, expect, it } from 'vitest';
import { byObjective, calmar, dailyEquity, dailyReturns, sharpe, sortino, type SweepMetrics } from '../../../src/backtest/sweep/metrics.ts';

const H = 3_600_000;
const D0 = Date.UTC(2025, 0, 1);

describe('sweep figures on daily returns', () => {
  it('hourly equity over three days then the last equity of each UTC day', () => {
    const pts = [
      { ts: D0 + 1 * H, equityUsd: 1000 },
      { ts: D0 + 23 * H, equityUsd: 1010 }, // day 1 ends at 1010
      { ts: D0 + 25 * H, equityUsd: 1005 },
      { ts: D0 + 47 * H, equityUsd: 990 }, // day 2 ends at 990
      { ts: D0 + 49 * H, equityUsd: 1039.5 }, // day 3 ends at 1039.5
    ].map((p) => ({ ...p, cashUsd: 0, openPositions: 0 }));
    expect(dailyEquity(pts)).toEqual([
      { day: '2025-01-01', equityUsd: 1010 },
      { day: '2025-01-02', equityUsd: 990 },
      { day: '2025-01-03', equityUsd: 1039.5 },
    ]);
  });

  it('returns +1%, -2%, +5% then Sharpe, Sortino by hand', () => {
    // From 1000: 1010 (+1%), 989.8 (-2%), 1039.29 (+5%).
    const r = dailyReturns(1000, [
      { day: 'a', equityUsd: 1010 },
      { day: 'b', equityUsd: 989.8 },
      { day: 'c', equityUsd: 1039.29 },
    ]);
    expect(r.map((x) => Math.round(x * 1e6) / 1e6)).toEqual([0.01, -0.02, 0.05]);
    // mean = 0.04/3 = 0.013333; deviations 0.003333² + 0.033333² + 0.036667² = 0.0000111 + 0.0011111 + 0.0013444 = 0.0024667;
    // sample sd = sqrt(0.0024667 / 2) = 0.035119; Sharpe = 0.013333 / 0.035119 × √365 (19.105) = 7.2535
    expect(sharpe([0.01, -0.02, 0.05])).toBeCloseTo(7.2535, 3);
    // downside deviation = sqrt((0 + 0.0004 + 0) / 3) = 0.011547; Sortino = 0.013333 / 0.011547 × 19.105 = 22.061
    expect(sortino([0.01, -0.02, 0.05])).toBeCloseTo(22.061, 2);
  });

  it('no variation, no losing day, one day then null (ranked last)', () => {
    expect(sharpe([0.01, 0.01])).toBeNull();
    expect(sortino([0.01, 0.02])).toBeNull();
    expect(sharpe([0.01])).toBeNull();
  });

  it('Calmar: 10% over 365 days with a 5% drawdown then 2; no drawdown then null', () => {
    expect(calmar(10, 5, 365)).toBeCloseTo(2, 9);
    // 1% in 73 days compounds to 1.01^5 − 1 = 5.101% a year; over a 2% drawdown: 2.5505
    expect(calmar(1, 2, 73)).toBeCloseTo(2.5505, 3);
    expect(calmar(10, 0, 365)).toBeNull();
  });

  it('rows by objective then best first, nulls last, ties by hash', () => {
    const m = (sharpe: number | null, net: number) => ({ sharpe, net_usd: net }) as SweepMetrics;
    const rows = [
      { config_hash: 'c', metrics: m(null, 50) },
      { config_hash: 'b', metrics: m(1.5, 10) },
      { config_hash: 'a', metrics: m(1.5, 20) },
      { config_hash: 'd', metrics: m(2, -5) },
    ];
    expect([...rows].sort(byObjective('sharpe')).map((r) => r.config_hash)).toEqual(['d', 'a', 'b', 'c']);
    expect([...rows].sort(byObjective('net_pnl')).map((r) => r.config_hash)).toEqual(['c', 'a', 'b', 'd']);
  });
});
