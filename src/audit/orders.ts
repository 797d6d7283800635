/**
 * `audit orders`: the order record (one row per order event, see orderRows.ts) of one or more logs,
 * filtered by time and rendered as CSV (RFC 4180) or JSON lines. Each log is read line by line and
 * folded as it goes; only the order rows are kept in memory.
 */
import { OrderRowBuilder, type OrderRow } from './orderRows.ts';
import { type LogGroup, readLines } from './read.ts';

/** The CSV columns, in order (the JSON lines carry the same fields). */
export const ORDER_COLUMNS: readonly (keyof OrderRow)[] = [
  'timestamp',
  'seq',
  'instance_id',
  'mode',
  'venue',
  'event',
  'symbol',
  'side',
  'type',
  'post_only',
  'price',
  'quantity',
  'filled_qty',
  'avg_fill_price',
  'fee_usd',
  'client_order_id',
  'exchange_order_id',
  'config_hash',
  'code_version',
  'code_hash',
  'intent',
  'decision_reason',
  'conviction',
  'risk_checks',
  'status',
  'outcome',
  'error',
];

// The last one: the earlier bot's log (Python's json.dumps puts a space after the colon).
const RELEVANT = ['"event":"order_', '"orders":[{', '"event":"startup"', '"event":"reconcile"', '"event":"shutdown"', '"event":"venue_stop"', '"orders": [{'];

/** The order rows of the given logs, each log in its own order, rows in [from, to) when given (epoch ms). */
export async function orderRows(groups: readonly LogGroup[], range: { from?: number; to?: number } = {}): Promise<OrderRow[]> {
  const out: OrderRow[] = [];
  for (const g of groups) {
    const b = new OrderRowBuilder();
    for await (const { text } of readLines(g)) {
      // Only lines that can concern an order are parsed (most cycle records have no orders).
      if (!RELEVANT.some((m) => text.includes(m))) continue;
      let r: unknown;
      try {
        r = JSON.parse(text);
      } catch {
        continue; // a torn line: `audit verify` reports it
      }
      if (r !== null && typeof r === 'object') b.add(r as Record<string, unknown>);
    }
    for (const row of b.finish()) {
      const t = Date.parse(row.timestamp);
      if (range.from !== undefined && !(t >= range.from)) continue;
      if (range.to !== undefined && !(t < range.to)) continue;
      out.push(row);
    }
  }
  return out;
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** CSV with a header line; empty cells where the log does not say. */
export function renderOrdersCsv(rows: readonly OrderRow[]): string {
  return [ORDER_COLUMNS.join(','), ...rows.map((r) => ORDER_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n';
}

/** One JSON object per line. */
export const renderOrdersJsonl = (rows: readonly OrderRow[]): string => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
