/** Open positions as the status page shows them: at their last mark, with unrealized PnL and distance to the stop. */
import type { Position } from '../core/types.ts';

/** One row of the positions table. */
export interface PositionView {
  symbol: string;
  quantity: number;
  avg_entry_price: number;
  entry_time: string;
  tier: string;
  /** Last market price seen (bid); null before the first after a restart. */
  mark_price: number | null;
  /** (mark − avg entry) × quantity, before fees; null without a mark. */
  unrealized_pnl_usd: number | null;
  stop_loss_price: number | null;
  /** (mark − stop) / mark × 100: how far the price may fall before the stop sells; null without both. */
  distance_to_stop_pct: number | null;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** Rows for `positions` at `marks` (symbol → last bid the loop saw). */
export function positionViews(positions: readonly Position[], marks: Readonly<Record<string, number>>): PositionView[] {
  return positions.map((p) => {
    const m = marks[p.symbol];
    const mark = m !== undefined && Number.isFinite(m) && m > 0 ? m : null;
    const stop = Number.isFinite(p.stopLossPrice) && p.stopLossPrice > 0 ? p.stopLossPrice : null;
    return {
      symbol: p.symbol,
      quantity: p.quantity,
      avg_entry_price: p.avgEntryPrice,
      entry_time: new Date(p.entryTime).toISOString(),
      tier: p.tier,
      mark_price: mark,
      unrealized_pnl_usd: mark === null ? null : round((mark - p.avgEntryPrice) * p.quantity, 2),
      stop_loss_price: stop,
      distance_to_stop_pct: mark === null || stop === null ? null : round(((mark - stop) / mark) * 100, 2),
    };
  });
}
