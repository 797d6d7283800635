/**
 * The trade ledger: one row per booked fill, stamped from the audit log, with the realized PnL of
 * each sale computed FIFO. Pure: fills and stamps in, rows and totals out.
 *
 * FIFO: every buy is a lot (quantity, price, buy fee). A sale of q closes the oldest lots first;
 *   realized_pnl_usd = q × sale price − sale fee − Σ over the closed parts (part × lot price + lot fee × part / lot quantity).
 * Buy fees are charged when their lot is sold (as the state store does), so over a position that is
 * bought and sold out completely Σ realized is the cash it moved, and equals the state store's
 * realized PnL (average cost). With part of a position still open the two can split realized and
 * open cost differently, but always: Σ realized + cost of the open lots is the same number
 * (`totals.realized_pnl_usd + totals.open_cost_usd` against the store's realized + open cost).
 */
import type { FillRow } from '../state/types.ts';

/** What the audit log says about an order: the cycle and configuration that produced it. */
export interface OrderStamp {
  cycle: number | null;
  config_hash: string | null;
  code_version: string | null;
  exchange_order_id: string | null;
}

/** One ledger row (the CSV and JSON columns, in order). */
export interface LedgerRow {
  time: string; // ISO-8601 UTC with milliseconds
  ts_ms: number;
  symbol: string;
  base: string;
  quote: string;
  side: 'buy' | 'sell';
  intent: 'entry' | 'exit';
  quantity: number;
  price: number;
  notional: number; // quantity × price, in the quote currency
  fee: number;
  fee_currency: string;
  client_order_id: string;
  exchange_order_id: string | null;
  cycle: number | null;
  config_hash: string | null;
  code_version: string | null;
  /** Sales only: FIFO realized PnL of the lots closed (formula above); null for buys. */
  realized_pnl_usd: number | null;
}

/** Sums over the exported rows. */
export interface LedgerTotals {
  fills: number;
  buys: number;
  sells: number;
  fees_usd: number;
  realized_pnl_usd: number;
  /** Cost (price × quantity + buy fee share) of the lots still open after the last row. */
  open_cost_usd: number;
  /** Fills with no audit record naming their config_hash (a log rotated away or cut). */
  unstamped: number;
}

interface Lot {
  qty: number;
  price: number;
  fee: number; // buy fee still to charge, for the whole remaining qty
}

/** Quantity below this share of a lot counts as the lot closed (float dust from partial sales). */
const QTY_EPS = 1e-9;

/** Ledger rows for `fills` (oldest first), FIFO over every fill; `keep` picks the rows to export (lots still see them all). */
export function ledgerRows(fills: readonly FillRow[], stamps: ReadonlyMap<string, OrderStamp>, keep: (ts: number) => boolean = () => true): { rows: LedgerRow[]; totals: LedgerTotals } {
  const lots = new Map<string, Lot[]>();
  const rows: LedgerRow[] = [];
  for (const f of [...fills].sort((a, b) => a.ts - b.ts)) {
    const book = lots.get(f.symbol) ?? [];
    lots.set(f.symbol, book);
    let realized: number | null = null;
    if (f.side === 'buy') book.push({ qty: f.quantity, price: f.price, fee: f.feeUsd });
    else realized = f.quantity * f.price - f.feeUsd - closeLots(book, f.quantity);
    if (!keep(f.ts)) continue;
    const [base = f.symbol, quote = 'USD'] = f.symbol.split('-');
    const s = stamps.get(f.clientOrderId);
    rows.push({
      time: new Date(f.ts).toISOString(),
      ts_ms: f.ts,
      symbol: f.symbol,
      base,
      quote,
      side: f.side,
      intent: f.intent,
      quantity: f.quantity,
      price: f.price,
      notional: f.quantity * f.price,
      fee: f.feeUsd,
      fee_currency: 'USD',
      client_order_id: f.clientOrderId,
      exchange_order_id: s?.exchange_order_id ?? null,
      cycle: s?.cycle ?? null,
      config_hash: s?.config_hash ?? null,
      code_version: s?.code_version ?? null,
      realized_pnl_usd: realized,
    });
  }
  let openCost = 0;
  for (const book of lots.values()) for (const l of book) openCost += l.qty * l.price + l.fee;
  return {
    rows,
    totals: {
      fills: rows.length,
      buys: rows.filter((r) => r.side === 'buy').length,
      sells: rows.filter((r) => r.side === 'sell').length,
      fees_usd: rows.reduce((a, r) => a + r.fee, 0),
      realized_pnl_usd: rows.reduce((a, r) => a + (r.realized_pnl_usd ?? 0), 0),
      open_cost_usd: openCost,
      unstamped: rows.filter((r) => r.config_hash === null).length,
    },
  };
}

/** Removes `qty` from the oldest lots; returns the cost of what was removed (price × part + fee share). */
function closeLots(book: Lot[], qty: number): number {
  let left = qty;
  let cost = 0;
  while (left > 0 && book.length > 0) {
    const lot = book[0]!;
    const part = Math.min(lot.qty, left);
    const feeShare = lot.fee * (part / lot.qty);
    cost += part * lot.price + feeShare;
    lot.qty -= part;
    lot.fee -= feeShare;
    left -= part;
    if (lot.qty <= QTY_EPS * part || lot.qty <= 0) book.shift();
  }
  return cost;
}
