/** Per-symbol pauses: after any trade in the symbol, and (longer) after a losing exit. */
import { deny } from '../denials.ts';
import { MINUTE_MS, type EntryCheck } from './context.ts';

const minutesLeft = (until: number, now: number) => Math.ceil((until - now) / MINUTE_MS);

/**
 * The symbol traded within per_symbol_cooldown_minutes: from the state store's cooldowns, from the
 * recent trades themselves (so a missed cooldown write cannot allow a re-entry), or approved earlier
 * this cycle (a second entry in one symbol in one cycle).
 */
export const symbolCooldown: EntryCheck = (p, ctx) => {
  const cd = ctx.portfolio.cooldowns[p.symbol];
  if (cd !== undefined && cd.reason === 'per_symbol' && cd.until > ctx.now) {
    return { deny: deny('SYMBOL_COOLDOWN', { symbol: p.symbol, minutes_left: minutesLeft(cd.until, ctx.now) }) };
  }
  const minutes = ctx.policy.risk.per_symbol_cooldown_minutes;
  if (minutes <= 0) return undefined;
  if (ctx.approved.some((a) => a.symbol === p.symbol)) {
    return { deny: deny('SYMBOL_COOLDOWN', { symbol: p.symbol, minutes_left: minutes, source: 'this_cycle' }) };
  }
  const lastTs = Math.max(-Infinity, ...ctx.portfolio.recentTrades.filter((t) => t.symbol === p.symbol).map((t) => t.ts));
  const until = lastTs + minutes * MINUTE_MS;
  return until > ctx.now ? { deny: deny('SYMBOL_COOLDOWN', { symbol: p.symbol, minutes_left: minutesLeft(until, ctx.now) }) } : undefined;
};

/** The symbol's last exit lost money less than after_loss_cooldown_minutes ago (the state store sets it). */
export const lossCooldown: EntryCheck = (p, ctx) => {
  const cd = ctx.portfolio.cooldowns[p.symbol];
  return cd !== undefined && cd.reason === 'after_loss' && cd.until > ctx.now
    ? { deny: deny('LOSS_COOLDOWN', { symbol: p.symbol, minutes_left: minutesLeft(cd.until, ctx.now) }) }
    : undefined;
};
