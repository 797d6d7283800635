import { describe, expect, it } from 'vitest';
import { chartFile, equityChartSvg, thin } from '../../src/backtest/chart.ts';
import { terminalProgress } from '../../src/backtest/progress.ts';
import { countBy, exposure, maxDrawdown, tradeStats, type EquityPoint } from '../../src/backtest/stats.ts';
import type { FillRow } from '../../src/state/types.ts';

const pt = (ts: number, equityUsd: number, cashUsd = equityUsd, openPositions = 0): EquityPoint => ({ ts, equityUsd, cashUsd, openPositions });

describe('report statistics', () => {
  it('equity rises, falls, recovers then max drawdown is the deepest fall from the running peak', () => {
    // Peak 1200 at t=2, trough 900 at t=3: 300 USD, 25%. The later 1100 -> 1000 fall is smaller.
    const dd = maxDrawdown(1000, [pt(1, 1100), pt(2, 1200), pt(3, 900), pt(4, 1250), pt(5, 1100)]);
    expect(dd).toEqual({ pct: 25, usd: 300, peakTs: 2, troughTs: 3 });
  });

  it('equity below the start from the first cycle then the start is the peak', () => {
    expect(maxDrawdown(1000, [pt(1, 950), pt(2, 980)])).toEqual({ pct: 5, usd: 50, peakTs: null, troughTs: 1 });
  });

  it('equity never falls then no drawdown', () => {
    expect(maxDrawdown(1000, [pt(1, 1000), pt(2, 1010)]).pct).toBe(0);
  });

  it('positions in half the cycles then exposure mean, max and time in market', () => {
    // (1000-800)/1000 = 20%, 0%, (1000-900)/1000 = 10%, 0% -> mean 7.5%, max 20%, in market 2 of 4.
    const e = exposure([pt(1, 1000, 800, 1), pt(2, 1000, 1000, 0), pt(3, 1000, 900, 2), pt(4, 1000, 1000, 0)]);
    expect(e).toEqual({ avgPct: 7.5, maxPct: 20, timeInMarketPct: 50 });
  });

  it('three exits, two winning then win rate 66.67% and averages per side', () => {
    const f = (side: 'buy' | 'sell', realized: number | null, fee: number): FillRow => ({
      clientOrderId: `${side}${realized}`,
      symbol: 'BTC-USD',
      side,
      quantity: 1,
      price: 1,
      feeUsd: fee,
      ts: 0,
      realizedPnlUsd: realized,
      intent: side === 'buy' ? 'entry' : 'exit',
    });
    const s = tradeStats([f('buy', null, 1), f('sell', 10, 0.5), f('sell', 20, 0.5), f('sell', -6, 0.5)]);
    expect(s).toMatchObject({ fills: 4, entries: 1, exits: 3, wins: 2, losses: 1, avgWinUsd: 15, avgLossUsd: -6, feesUsd: 2.5, realizedPnlUsd: 24 });
    expect(s.winRatePct).toBeCloseTo(66.667, 3);
  });

  it('reasons counted then most frequent first, ties by name', () => {
    expect(Object.entries(countBy(['b', 'a', 'c', 'a', 'b', 'a']))).toEqual([
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ]);
  });
});

describe('equity chart', () => {
  const points = Array.from({ length: 5000 }, (_, i) => ({ ts: i * 3_600_000, equityUsd: 10_000 + Math.sin(i / 100) * 100 + (i === 2500 ? -900 : 0) }));

  it('thousands of points then thinned but the lowest point and the last point survive', () => {
    const t = thin(points, 1000);
    expect(t.length).toBeLessThanOrEqual(1001);
    expect(t.some((p) => p.equityUsd < 9200)).toBe(true);
    expect(t.at(-1)).toBe(points.at(-1));
  });

  it('svg then self-contained (no scripts, no external references) and html wraps it', () => {
    const svg = equityChartSvg([{ label: 'abc123', points }], { title: 'equity <test>', startingUsd: 10_000 });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<polyline');
    expect(svg).toContain('equity &lt;test&gt;');
    expect(svg.replace('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:|<script|href=/);
    expect(chartFile('x.svg', svg, 't')).toBe(svg);
    expect(chartFile('x.html', svg, 't')).toMatch(/^<!doctype html>[\s\S]*<svg[\s\S]*<\/html>\n$/);
  });
});

describe('progress bar', () => {
  const stream = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, s: { isTTY, columns: 80, write: (t: string) => out.push(t) } };
  };

  it('stderr not a terminal then nothing is drawn', () => {
    const { out, s } = stream(false);
    const p = terminalProgress({ stream: s, afterMs: 0, now: () => 10_000 });
    p.update(5, 10);
    p.end();
    expect(out).toEqual([]);
  });

  it('a sweep bar with an ETA then jobs counted and the time left from the rate so far', () => {
    const { out, s } = stream(true);
    let t = 0;
    const p = terminalProgress({ stream: s, label: 'sweep', unit: 'jobs', eta: true, afterMs: 0, everyMs: 0, now: () => t });
    t = 20_000;
    p.update(4, 10); // 5 s a job so far, 6 jobs left: 30 s
    t = 50_000;
    p.update(5, 10); // 10 s a job, 5 left: 50 s
    t = 60_000;
    p.update(6, 40); // 10 s a job, 34 left: 340 s
    t = 70_000;
    p.update(10, 10);
    expect(out[0]).toMatch(/^\rsweep \[#+-+\]  40% 4\/10 jobs 20\.0s ETA 30s/);
    expect(out[1]).toContain('5/10 jobs 50.0s ETA 50s');
    expect(out[2]).toContain('6/40 jobs 60.0s ETA 5m40s');
    expect(out[3]).toMatch(/10\/10 jobs 70\.0s\u001b\[K$/);
  });

  it('a terminal and a run past the delay then a bar, redrawn at most every interval, cleared at the end', () => {
    const { out, s } = stream(true);
    let t = 0;
    const p = terminalProgress({ stream: s, afterMs: 500, everyMs: 100, now: () => t });
    p.update(1, 10); // t=0: too early
    t = 600;
    p.update(5, 10);
    t = 650;
    p.update(6, 10); // within 100 ms of the last draw
    t = 800;
    p.update(10, 10);
    p.end();
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^\rbacktest \[#+-+\]  50% 5\/10 cycles 0\.6s/);
    expect(out[1]).toContain('100% 10/10 cycles');
    expect(out[2]).toBe('\r\u001b[K');
  });
});
