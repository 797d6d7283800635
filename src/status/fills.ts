/**
 * The last N fills of the book for /api/fills, each with the config hash, code version and cycle
 * of the audit record that names it. Reads the log backwards from the end (src/audit/tail.ts),
 * widening the window until every fill is found or the log is exhausted, so the cost depends on
 * how far back the oldest wanted fill lies, not on the size of the log.
 */
import { tailLines } from '../audit/tail.ts';
import { parseOrderLine, stampsOf } from '../ledger/stamps.ts';
import type { FillRow } from '../state/types.ts';
import { findAuditLog } from './auditLog.ts';

/** One row of the status page's fills table. */
export interface FillView {
  time: string;
  symbol: string;
  side: 'buy' | 'sell';
  intent: 'entry' | 'exit';
  quantity: number;
  price: number;
  fee_usd: number;
  /** The state store's realized PnL of a sale (average cost); null for buys. */
  realized_pnl_usd: number | null;
  client_order_id: string;
  cycle: number | null;
  config_hash: string | null;
  code_version: string | null;
}

/** Widen the window past this many lines and stop (a fill older than that shows no hash). */
const MAX_LINES = 1_000_000;

/** What the audit log says about one fill's order. */
type Stamp = Pick<FillView, 'cycle' | 'config_hash' | 'code_version'>;

/** Stamps already looked up, by client order id (records are never rewritten, so they stay true); null: not found. */
export type StampCache = Map<string, Stamp | null>;

const NONE: Stamp = { cycle: null, config_hash: null, code_version: null };

/** `fills` (oldest first) stamped from the audit log whose active file is `auditFile`; only ids not in `cache` are searched. */
export async function stampedFills(auditFile: string, fills: readonly FillRow[], cache: StampCache = new Map()): Promise<FillView[]> {
  const stamps = cache;
  const log = findAuditLog(auditFile);
  const wanted = new Set(fills.map((f) => f.clientOrderId).filter((id) => !cache.has(id)));
  for (let want = 200 + fills.length * 20; log && wanted.size > 0; want *= 4) {
    const lines = await tailLines(log, want);
    for (const text of lines) {
      const r = parseOrderLine(text);
      if (!r) continue;
      for (const [id, st] of stampsOf(r)) {
        if (!wanted.delete(id)) continue;
        stamps.set(id, { cycle: st.cycle, config_hash: st.config_hash, code_version: st.code_version });
      }
    }
    if (lines.length < want || want >= MAX_LINES) break;
  }
  for (const id of wanted) cache.set(id, null);
  return fills.map((f) => ({
    time: new Date(f.ts).toISOString(),
    symbol: f.symbol,
    side: f.side,
    intent: f.intent,
    quantity: f.quantity,
    price: f.price,
    fee_usd: f.feeUsd,
    realized_pnl_usd: f.realizedPnlUsd,
    client_order_id: f.clientOrderId,
    ...(stamps.get(f.clientOrderId) ?? NONE),
  }));
}
