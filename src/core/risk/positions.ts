/** How many positions may be open, and how many may be opened in one cycle. */
import { deny } from '../denials.ts';
import { openAfterApprovals, opensPosition, type EntryCheck } from './context.ts';

/** A new position would exceed max_open_positions (held plus approved this cycle). Adds to a held symbol pass. */
export const maxOpenPositions: EntryCheck = (p, ctx) => {
  if (!opensPosition(ctx, p.symbol)) return undefined;
  const open = openAfterApprovals(ctx);
  const max = ctx.policy.risk.max_open_positions;
  return open >= max ? { deny: deny('MAX_OPEN_POSITIONS', { open, max }) } : undefined;
};

/** This cycle already approved max_new_positions_per_cycle new positions. */
export const newPositionsPerCycle: EntryCheck = (p, ctx) => {
  if (!opensPosition(ctx, p.symbol)) return undefined;
  const opened = new Set(ctx.approved.filter((a) => !ctx.held.has(a.symbol)).map((a) => a.symbol)).size;
  const max = ctx.policy.risk.max_new_positions_per_cycle;
  return opened >= max ? { deny: deny('NEW_POSITIONS_PER_CYCLE', { opened_this_cycle: opened, max }) } : undefined;
};
