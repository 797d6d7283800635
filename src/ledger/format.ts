/**
 * The ledger's output formats (pure: rows in, text out).
 *
 * csv     one header line, then one line per fill; the columns of LedgerRow in its order (RFC 4180
 *         quoting where a value needs it; empty for null).
 * json    {"rows": [LedgerRow…], "totals": LedgerTotals, "reconcile": {…}} (one document).
 * koinly  Koinly's "universal" import template (Koinly help centre, "How to create a custom CSV file
 *         with your data", support.koinly.io/en/articles/9489976; the same header is shown as Koinly's
 *         format in adastry.io/learn/docs/export/transaction-csv). Columns and our mapping:
 *           Date               time as `YYYY-MM-DD HH:mm:ss UTC` (Koinly wants UTC)
 *           Sent Amount        buy: quantity × price (quote)       sell: quantity (base)
 *           Sent Currency      buy: quote (USD)                    sell: base (BTC)
 *           Received Amount    buy: quantity (base)                sell: quantity × price (quote)
 *           Received Currency  buy: base                           sell: quote
 *           Fee Amount, Fee Currency    fee, fee_currency
 *           Net Worth Amount, Net Worth Currency   quantity × price, quote
 *           Label              empty (a plain trade)
 *           Description        `247trader <side> <symbol> cycle <n> config <config_hash>`
 *           TxHash             client_order_id
 */
import type { LedgerRow } from './rows.ts';

/** The export formats of `ledger export`. */
export const LEDGER_FORMATS = ['csv', 'json', 'koinly'] as const;
/** One export format. */
export type LedgerFormat = (typeof LEDGER_FORMATS)[number];

/** CSV columns, in order (the keys of LedgerRow). */
export const CSV_COLUMNS: readonly (keyof LedgerRow)[] = [
  'time', 'ts_ms', 'symbol', 'base', 'quote', 'side', 'intent', 'quantity', 'price', 'notional', 'fee', 'fee_currency',
  'client_order_id', 'exchange_order_id', 'cycle', 'config_hash', 'code_version', 'realized_pnl_usd',
];

/** Koinly universal template columns, in order. */
export const KOINLY_COLUMNS = [
  'Date', 'Sent Amount', 'Sent Currency', 'Received Amount', 'Received Currency', 'Fee Amount', 'Fee Currency',
  'Net Worth Amount', 'Net Worth Currency', 'Label', 'Description', 'TxHash',
] as const;

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const line = (cells: readonly unknown[]): string => `${cells.map(cell).join(',')}\n`;

/** The ledger as CSV. */
export function toCsv(rows: readonly LedgerRow[]): string {
  return line(CSV_COLUMNS) + rows.map((r) => line(CSV_COLUMNS.map((c) => r[c]))).join('');
}

/** The ledger in Koinly's universal CSV layout (mapping in the file header). */
export function toKoinly(rows: readonly LedgerRow[]): string {
  const out = rows.map((r) => {
    const buy = r.side === 'buy';
    return line([
      `${r.time.slice(0, 10)} ${r.time.slice(11, 19)} UTC`,
      buy ? r.notional : r.quantity,
      buy ? r.quote : r.base,
      buy ? r.quantity : r.notional,
      buy ? r.base : r.quote,
      r.fee,
      r.fee_currency,
      r.notional,
      r.quote,
      '',
      `247trader ${r.side} ${r.symbol} cycle ${r.cycle ?? '?'} config ${r.config_hash ?? 'unknown'}`,
      r.client_order_id,
    ]);
  });
  return line(KOINLY_COLUMNS) + out.join('');
}
