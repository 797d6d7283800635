/**
 * The figures a sweep ranks by, from one run's report and equity curve. Pure.
 *
 * Daily returns: equity at the last cycle of each UTC day, against the previous day's (the first
 * day against the starting equity). Sharpe = mean / sample standard deviation × √365 (crypto
 * trades every day; no risk-free rate). Sortino = mean / downside deviation × √365, the downside
 * deviation being √(mean of min(r, 0)²) over all days. Calmar = annualized return (compounded
 * over the run's days) / max drawdown, both in %. A figure that cannot be computed (fewer than
 * two days, no variation, no losing day, no drawdown) is null and ranks last.
 */
import type { BacktestReport } from '../report.ts';
import type { EquityPoint } from '../stats.ts';

/** Equity at the end of one UTC day. */
export interface DailyEquity {
  day: string;
  equityUsd: number;
}

/** One run's row in the sweep's results. */
export interface SweepMetrics {
  net_usd: number;
  return_pct: number;
  max_drawdown_pct: number;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  trades: number;
  win_rate_pct: number | null;
  exposure_avg_pct: number;
  fees_usd: number;
}

/** The objectives a sweep can rank by (higher is better for all). */
export const OBJECTIVES = ['net_pnl', 'sharpe', 'sortino', 'calmar'] as const;
/** One of OBJECTIVES. */
export type Objective = (typeof OBJECTIVES)[number];

const DAYS_PER_YEAR = 365;
const r4 = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(x * 1e4) / 1e4 + 0);

/** The last equity of each UTC day, in time order. */
export function dailyEquity(points: readonly EquityPoint[]): DailyEquity[] {
  const out: DailyEquity[] = [];
  for (const p of points) {
    const day = new Date(p.ts).toISOString().slice(0, 10);
    if (out.length > 0 && out[out.length - 1]!.day === day) out[out.length - 1]!.equityUsd = p.equityUsd;
    else out.push({ day, equityUsd: p.equityUsd });
  }
  return out;
}

/** Day-over-day returns (fractions), the first day against the starting equity. */
export function dailyReturns(start: number, days: readonly DailyEquity[]): number[] {
  let prev = start;
  return days.map((d) => {
    const r = prev > 0 ? d.equityUsd / prev - 1 : 0;
    prev = d.equityUsd;
    return r;
  });
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Annualized Sharpe ratio of daily returns; null with fewer than two days or no variation. */
export function sharpe(returns: readonly number[]): number | null {
  if (returns.length < 2) return null;
  const m = mean(returns);
  const sd = Math.sqrt(returns.reduce((s, r) => s + (r - m) ** 2, 0) / (returns.length - 1));
  return sd > 1e-12 ? (m / sd) * Math.sqrt(DAYS_PER_YEAR) : null;
}

/** Annualized Sortino ratio of daily returns; null with fewer than two days or no losing day. */
export function sortino(returns: readonly number[]): number | null {
  if (returns.length < 2) return null;
  const dd = Math.sqrt(returns.reduce((s, r) => s + Math.min(r, 0) ** 2, 0) / returns.length);
  return dd > 1e-12 ? (mean(returns) / dd) * Math.sqrt(DAYS_PER_YEAR) : null;
}

/** Calmar ratio: annualized return % over max drawdown %; null without a drawdown or days. */
export function calmar(returnPct: number, maxDrawdownPct: number, days: number): number | null {
  if (!(maxDrawdownPct > 0) || days <= 0) return null;
  const annual = ((1 + returnPct / 100) ** (DAYS_PER_YEAR / days) - 1) * 100;
  return annual / maxDrawdownPct;
}

/** A run's sweep figures. */
export function sweepMetrics(report: BacktestReport, days: readonly DailyEquity[]): SweepMetrics {
  const returns = dailyReturns(report.pnl.starting_equity_usd, days);
  return {
    net_usd: report.pnl.net_usd,
    return_pct: report.pnl.return_pct,
    max_drawdown_pct: report.max_drawdown.pct,
    sharpe: r4(sharpe(returns)),
    sortino: r4(sortino(returns)),
    calmar: r4(calmar(report.pnl.return_pct, report.max_drawdown.pct, days.length)),
    trades: report.trades.fills,
    win_rate_pct: report.trades.win_rate_pct,
    exposure_avg_pct: report.exposure.avg_pct,
    fees_usd: report.pnl.fees_usd,
  };
}

/** The value of the objective for a row (null ranks last). */
export const objectiveValue = (m: SweepMetrics, o: Objective): number | null => (o === 'net_pnl' ? m.net_usd : m[o]);

/** Sort order for rows: objective descending, nulls last, ties by config hash. */
export function byObjective<T extends { metrics: SweepMetrics; config_hash: string }>(o: Objective): (a: T, b: T) => number {
  return (a, b) => {
    const x = objectiveValue(a.metrics, o);
    const y = objectiveValue(b.metrics, o);
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return y - x;
    }
    return a.config_hash < b.config_hash ? -1 : a.config_hash > b.config_hash ? 1 : 0;
  };
}
