/** How often entries may happen: per hour, per UTC day, and spacing between any two. */
import { deny } from '../denials.ts';
import { HOUR_MS, startOfUtcDay, type EntryCheck } from './context.ts';

/** Entries in the last hour (recent trades plus approvals earlier this cycle) reached max_trades_per_hour. */
export const tradesPerHour: EntryCheck = (_p, ctx) => {
  const since = ctx.now - HOUR_MS;
  const count = ctx.portfolio.recentTrades.filter((t) => t.ts > since).length + ctx.approved.length;
  const max = ctx.policy.risk.max_trades_per_hour;
  return count >= max ? { deny: deny('TRADES_PER_HOUR', { trades_last_hour: count, max }) } : undefined;
};

/** Entries since 00:00 UTC (plus approvals this cycle) reached max_trades_per_day. */
export const tradesPerDay: EntryCheck = (_p, ctx) => {
  const since = startOfUtcDay(ctx.now);
  const count = ctx.portfolio.recentTrades.filter((t) => t.ts >= since).length + ctx.approved.length;
  const max = ctx.policy.risk.max_trades_per_day;
  return count >= max ? { deny: deny('TRADES_PER_DAY', { trades_today: count, max }) } : undefined;
};

/**
 * Too soon after the last recorded trade. Approvals in this same cycle are not spaced against each
 * other: max_new_positions_per_cycle governs those, and spacing them would make that cap meaningless.
 */
export const tradeSpacing: EntryCheck = (_p, ctx) => {
  const min = ctx.policy.risk.min_seconds_between_trades;
  if (min <= 0 || ctx.portfolio.recentTrades.length === 0) return undefined;
  const last = Math.max(...ctx.portfolio.recentTrades.map((t) => t.ts));
  const since = (ctx.now - last) / 1000;
  return since < min ? { deny: deny('TRADE_SPACING', { seconds_since_last: Math.max(0, Math.floor(since)), min_seconds: min }) } : undefined;
};
