/** The numbers of a backtest report, as pure functions over the equity curve and the fills. */
import type { FillRow } from '../state/types.ts';

/** Equity and cash after one cycle (the audit record's pnl block). */
export interface EquityPoint {
  ts: number;
  equityUsd: number;
  cashUsd: number;
  openPositions: number;
}

/** Deepest fall from a running peak; the start counts as the first peak. */
export interface Drawdown {
  pct: number;
  usd: number;
  /** When the peak before the deepest fall was set (null: the start) and when the fall bottomed. */
  peakTs: number | null;
  troughTs: number | null;
}

/** Largest peak-to-trough fall of equity, in % of the peak and in USD (both 0 when equity never fell). */
export function maxDrawdown(start: number, points: readonly EquityPoint[]): Drawdown {
  let peak = start;
  let peakTs: number | null = null;
  let worst: Drawdown = { pct: 0, usd: 0, peakTs: null, troughTs: null };
  for (const p of points) {
    if (p.equityUsd > peak) {
      peak = p.equityUsd;
      peakTs = p.ts;
      continue;
    }
    const pct = peak > 0 ? ((peak - p.equityUsd) / peak) * 100 : 0;
    if (pct > worst.pct) worst = { pct, usd: peak - p.equityUsd, peakTs, troughTs: p.ts };
  }
  return worst;
}

/** How much of the book was in positions: mean and max share of equity, and the share of cycles with any position. */
export interface Exposure {
  avgPct: number;
  maxPct: number;
  timeInMarketPct: number;
}

/** Exposure over the cycles: (equity − cash) / equity per cycle. */
export function exposure(points: readonly EquityPoint[]): Exposure {
  if (points.length === 0) return { avgPct: 0, maxPct: 0, timeInMarketPct: 0 };
  let sum = 0;
  let max = 0;
  let inMarket = 0;
  for (const p of points) {
    const pct = p.equityUsd > 0 ? ((p.equityUsd - p.cashUsd) / p.equityUsd) * 100 : 0;
    sum += pct;
    max = Math.max(max, pct);
    if (p.openPositions > 0) inMarket++;
  }
  return { avgPct: sum / points.length, maxPct: max, timeInMarketPct: (inMarket / points.length) * 100 };
}

/** Entries, exits and what the exits made: a win is an exit fill with realized PnL > 0 (after fees). */
export interface TradeStats {
  fills: number;
  entries: number;
  exits: number;
  wins: number;
  losses: number;
  /** wins / exits × 100; null with no exits. */
  winRatePct: number | null;
  avgWinUsd: number | null;
  avgLossUsd: number | null;
  feesUsd: number;
  realizedPnlUsd: number;
  /** Symbol → fills, for the busiest symbols line. */
  bySymbol: Record<string, number>;
}

/** Trade statistics from the book's fills. */
export function tradeStats(fills: readonly FillRow[]): TradeStats {
  let entries = 0;
  let exits = 0;
  let wins = 0;
  let losses = 0;
  let winSum = 0;
  let lossSum = 0;
  let fees = 0;
  let realized = 0;
  const bySymbol: Record<string, number> = {};
  for (const f of fills) {
    fees += f.feeUsd;
    bySymbol[f.symbol] = (bySymbol[f.symbol] ?? 0) + 1;
    if (f.side === 'buy') {
      entries++;
      continue;
    }
    exits++;
    const r = f.realizedPnlUsd ?? 0;
    realized += r;
    if (r > 0) {
      wins++;
      winSum += r;
    } else if (r < 0) {
      losses++;
      lossSum += r;
    }
  }
  return {
    fills: fills.length,
    entries,
    exits,
    wins,
    losses,
    winRatePct: exits > 0 ? (wins / exits) * 100 : null,
    avgWinUsd: wins > 0 ? winSum / wins : null,
    avgLossUsd: losses > 0 ? lossSum / losses : null,
    feesUsd: fees,
    realizedPnlUsd: realized,
    bySymbol,
  };
}

/** Counts of each value, most frequent first, ties by name (a stable order for byte-identical reports). */
export function countBy(values: Iterable<string>): Record<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}
