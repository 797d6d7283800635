/** Checks on the whole book: any denial here blocks every entry this cycle. */
import { deny } from '../denials.ts';
import type { TradingState } from '../types.ts';
import { EPS, pctOf, type GlobalCheck } from './context.ts';

/** The operator's kill switch (file present, latched until `resume`). */
export const killSwitch: GlobalCheck = (ctx) => (ctx.killSwitch ? deny('KILL_SWITCH', { state: 'HALTED' }) : undefined);

/** HALTED is latched by the loop; only an explicit resume (which passes ACTIVE) lifts it. */
export const haltedState: GlobalCheck = (ctx) =>
  ctx.tradingState === 'HALTED' && !ctx.killSwitch ? deny('TRADING_HALTED', { state: 'HALTED' }) : undefined;

/** Today's (UTC) loss reached daily_stop_loss_pct of equity. */
export const dailyStop: GlobalCheck = (ctx) => {
  const pct = ctx.policy.risk.daily_stop_loss_pct;
  const limit = pctOf(pct, ctx.equityUsd);
  const pnl = ctx.portfolio.dailyPnlUsd;
  return pnl <= -limit + EPS ? deny('DAILY_STOP', { daily_pnl_usd: pnl, limit_usd: -limit, limit_pct: pct, equity_usd: ctx.equityUsd }) : undefined;
};

/** This ISO week's (UTC, from Monday) loss reached weekly_stop_loss_pct of equity. */
export const weeklyStop: GlobalCheck = (ctx) => {
  const pct = ctx.policy.risk.weekly_stop_loss_pct;
  const limit = pctOf(pct, ctx.equityUsd);
  const pnl = ctx.portfolio.weeklyPnlUsd;
  return pnl <= -limit + EPS ? deny('WEEKLY_STOP', { weekly_pnl_usd: pnl, limit_usd: -limit, limit_pct: pct, equity_usd: ctx.equityUsd }) : undefined;
};

/**
 * Equity fell max_drawdown_pct or more below its peak: the highest start-of-day equity of the last
 * max_drawdown_window_days UTC days and the equity now (0 days: the all-time high-water mark). It
 * re-arms by itself once the peak leaves the window (a flat book re-arms after N days) or equity recovers.
 */
export const maxDrawdown: GlobalCheck = (ctx) => {
  const hwm = ctx.portfolio.drawdownPeakUsd ?? ctx.portfolio.highWaterMarkUsd;
  if (!(hwm > 0)) return undefined;
  const ddPct = ((hwm - ctx.equityUsd) / hwm) * 100;
  const max = ctx.policy.risk.max_drawdown_pct;
  return ddPct >= max - EPS ? deny('MAX_DRAWDOWN', { drawdown_pct: ddPct, max_pct: max, hwm_usd: hwm, equity_usd: ctx.equityUsd }) : undefined;
};

/** LIVE: a reconcile found the venue disagreeing with the book about money; entries wait for an operator's `resume`. */
export const reconcileHold: GlobalCheck = (ctx) =>
  ctx.reconcileHold ? deny('RECONCILE_DIFFERENCE', { since: ctx.reconcileHold.since }) : undefined;

/** The trading state a global denial puts the book in: the kill switch halts, losses only reduce. */
export const stateFor = (code: string): TradingState => (code === 'KILL_SWITCH' || code === 'TRADING_HALTED' ? 'HALTED' : 'REDUCING');
