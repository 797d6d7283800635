// src/ledger/: the trade ledger: fills from the state store stamped from the audit log, FIFO PnL, csv/json/koinly.
// Must not: write the state store or the audit log; it only reads them.
/** `ledger export` without the CLI: read the state store and the audit log, build rows, render one format. */
import { readLedgerSource } from './source.ts';
import { orderStamps } from './stamps.ts';
import { ledgerRows, type LedgerTotals } from './rows.ts';
import { toCsv, toKoinly, type LedgerFormat } from './format.ts';
import type { StoreMode } from '../state/types.ts';

/** Options of exportLedger. */
export interface LedgerExportOptions {
  dataDir: string;
  mode: StoreMode;
  /** Directory of the audit log (rotated files included) that stamps each fill. */
  logDir: string;
  format: LedgerFormat;
  /** Epoch ms; rows with from <= time < to. */
  from?: number;
  to?: number;
}

/** The ledger against the state store: Σ realized + open cost must be the same number both ways. */
export interface LedgerReconcile {
  store_realized_pnl_usd: number;
  store_open_cost_usd: number;
  fifo_realized_pnl_usd: number;
  fifo_open_cost_usd: number;
  /** |(store realized + open cost) − (FIFO realized + open cost)| < 1e-6 USD. */
  ok: boolean;
}

/** The rendered ledger, with the totals of the exported rows and the reconciliation of all fills. */
export interface LedgerExport {
  text: string;
  totals: LedgerTotals;
  reconcile: LedgerReconcile;
}

/** Builds the ledger export (reads only). */
export async function exportLedger(o: LedgerExportOptions): Promise<LedgerExport> {
  const source = readLedgerSource(o.dataDir, o.mode);
  const stamps = await orderStamps(o.logDir);
  const inRange = (ts: number) => (o.from === undefined || ts >= o.from) && (o.to === undefined || ts < o.to);
  const { rows, totals } = ledgerRows(source.fills, stamps, inRange);
  const all = ledgerRows(source.fills, stamps).totals;
  const reconcile: LedgerReconcile = {
    store_realized_pnl_usd: source.storeRealizedUsd,
    store_open_cost_usd: source.storeOpenCostUsd,
    fifo_realized_pnl_usd: all.realized_pnl_usd,
    fifo_open_cost_usd: all.open_cost_usd,
    ok: Math.abs(source.storeRealizedUsd + source.storeOpenCostUsd - (all.realized_pnl_usd + all.open_cost_usd)) < 1e-6,
  };
  const text = o.format === 'csv' ? toCsv(rows) : o.format === 'koinly' ? toKoinly(rows) : `${JSON.stringify({ rows, totals, reconcile }, null, 2)}\n`;
  return { text, totals, reconcile };
}
