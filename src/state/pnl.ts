/** Pure bookkeeping arithmetic for the store: UTC period starts, averaging, realized pnl, exit prices. */

const DAY_MS = 86_400_000;

/** 00:00 UTC of the day containing `ts`. */
export function utcDayStart(ts: number): number {
  return Math.floor(ts / DAY_MS) * DAY_MS;
}

/** Monday 00:00 UTC of the week containing `ts` (ISO weeks start on Monday). */
export function utcWeekStart(ts: number): number {
  const day = utcDayStart(ts);
  const sinceMonday = (new Date(day).getUTCDay() + 6) % 7; // getUTCDay: 0 = Sunday
  return day - sinceMonday * DAY_MS;
}

/** Quantity-weighted average price after adding `addQty` at `addPrice` (fees are tracked apart, not folded in). */
export function averageEntry(qty: number, avg: number, addQty: number, addPrice: number): number {
  return (qty * avg + addQty * addPrice) / (qty + addQty);
}

/**
 * Realized pnl of selling `sellQty` out of a position of `posQty` at `avgEntry` carrying `entryFeesUsd`
 * of buy fees: (price − avg) × qty − this sale's fee − the sold share of the buy fees.
 * Charging buy fees at the sale (not at the buy) makes Σ realized over a round trip equal the cash it
 * moved, so a closed position's pnl is what the account actually gained or lost.
 */
export function realizeSale(p: {
  posQty: number;
  avgEntry: number;
  entryFeesUsd: number;
  sellQty: number;
  price: number;
  feeUsd: number;
}): { realizedPnlUsd: number; entryFeeShareUsd: number } {
  const entryFeeShareUsd = p.entryFeesUsd * Math.min(1, p.sellQty / p.posQty);
  const realizedPnlUsd = (p.price - p.avgEntry) * p.sellQty - p.feeUsd - entryFeeShareUsd;
  return { realizedPnlUsd, entryFeeShareUsd };
}

/** Stop and take-profit prices from percentages of the average entry; null when no percentage is set. */
export function exitPrices(
  avgEntry: number,
  stopLossPct: number | null,
  takeProfitPct: number | null,
): { stopLossPrice: number | null; takeProfitPrice: number | null } {
  return {
    stopLossPrice: stopLossPct == null ? null : avgEntry * (1 - stopLossPct / 100),
    takeProfitPrice: takeProfitPct == null ? null : avgEntry * (1 + takeProfitPct / 100),
  };
}
