/** The state store's fills, read-only: a running daemon keeps writing while the ledger is exported. */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { UsageError } from '../errors.ts';
import { stateFile } from '../state/store.ts';
import type { FillRow, StoreMode } from '../state/types.ts';

interface FillDbRow {
  client_order_id: string;
  symbol: string;
  side: FillRow['side'];
  quantity: number;
  price: number;
  fee_usd: number;
  ts: number;
  realized_pnl_usd: number | null;
  intent: FillRow['intent'];
}

/** What the ledger reads from a state database. */
export interface LedgerSource {
  fills: FillRow[];
  /** The store's own Σ realized pnl and cost of open positions, to reconcile against. */
  storeRealizedUsd: number;
  storeOpenCostUsd: number;
}

/** Reads `<dir>/state-<mode>.sqlite` without writing to it; a missing file is a usage error. */
export function readLedgerSource(dir: string, mode: StoreMode): LedgerSource {
  const file = stateFile(dir, mode);
  if (!existsSync(file)) throw new UsageError(`${file}: no ${mode} state database here (check --data-dir and --mode)`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const fills = (db.prepare('SELECT client_order_id, symbol, side, quantity, price, fee_usd, ts, realized_pnl_usd, intent FROM fills ORDER BY ts, rowid').all() as FillDbRow[]).map(
      (r): FillRow => ({ clientOrderId: r.client_order_id, symbol: r.symbol, side: r.side, quantity: r.quantity, price: r.price, feeUsd: r.fee_usd, ts: r.ts, realizedPnlUsd: r.realized_pnl_usd, intent: r.intent }),
    );
    const open = db.prepare('SELECT COALESCE(SUM(quantity * avg_entry_price + entry_fees_usd), 0) AS cost FROM positions').get() as { cost: number };
    return { fills, storeRealizedUsd: fills.reduce((a, f) => a + (f.realizedPnlUsd ?? 0), 0), storeOpenCostUsd: open.cost };
  } finally {
    db.close();
  }
}
