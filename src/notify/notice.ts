/**
 * What the daemon tells operators, derived from the audit records it writes (so a notification
 * never says anything the trail does not). Pure: a record in, zero or more notices out.
 *
 *   startup, shutdown          the records of the same name (mode, config hash, code version)
 *   halt, resume               the records of the same name (a halt for an audit write failure is
 *                              announced when the write fails, as audit_write_error, not again)
 *   fill                       each filled order of a cycle record, and LIVE order_outcome fills
 *                              (symbol, side, quantity, price, fee; realized PnL on exits)
 *   order_unknown              order_unknown records, and an order_outcome that resolved one
 *   reconcile                  reconcile records that found differences
 *   config_drift               config_drift records (drifted or cleared)
 *   venue_stop                 venue_stop records that need a look: the venue refused a stop, a cancel failed
 *                              (a stop's fill is announced as a fill)
 */
import type { NotifyEvent } from '../config/schema/notifications.ts';

/** One notification, before it is rendered for a target's format. */
export interface Notice {
  event: NotifyEvent;
  title: string;
  fields: Record<string, string | number | boolean | null>;
  /** ISO time of the record (or the moment) it is about. */
  at: string;
  /** Set for fills: one notice per order, even when a cycle and an order_outcome both report it. */
  key?: string;
}

type Rec = Record<string, unknown>;
const s = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Notices for one audit record; `realizedPnl` looks up an exit's booked PnL by client order id. */
export function noticesFrom(r: Rec, realizedPnl: (clientOrderId: string) => number | null = () => null): Notice[] {
  const at = s(r.timestamp);
  switch (r.event) {
    case 'startup':
      return [{ event: 'startup', title: `started in ${s(r.mode)}`, at, fields: { mode: s(r.mode), config_hash: s(r.config_hash), code_version: s(r.code_version), exchange: s(r.exchange) } }];
    case 'shutdown':
      return [{ event: 'shutdown', title: `stopped (${s(r.reason)})`, at, fields: { mode: s(r.mode), config_hash: s(r.config_hash), cycles_run: n(r.cycles_run) } }];
    case 'halt':
      if (r.reason === 'audit_write_failed') return [];
      return [{ event: 'halt', title: `trading HALTED: ${s(r.reason)}`, at, fields: { reason: s(r.reason), by: r.by === undefined ? null : s(r.by), error: r.error === undefined ? null : s(r.error) } }];
    case 'resume':
      return [{ event: 'resume', title: `trading resumed by ${s(r.by)}`, at, fields: { by: s(r.by), halt_reason: r.halt_reason === undefined ? null : s(r.halt_reason), halted_since: r.halted_since === undefined ? null : s(r.halted_since) } }];
    case 'cycle':
      return (Array.isArray(r.orders) ? (r.orders as Rec[]) : []).filter((o) => o.success === true && (o.status === 'filled' || o.status === 'partially_filled')).map((o) => fill(at, o, realizedPnl));
    case 'order_outcome': {
      const out: Notice[] = [];
      if (r.resolved_by !== undefined) out.push({ event: 'order_unknown', title: `order ${s(r.client_order_id)} resolved: ${s(r.status)}`, at, fields: { client_order_id: s(r.client_order_id), symbol: s(r.symbol), status: s(r.status), resolved_by: s(r.resolved_by) } });
      if ((n(r.filled_qty) ?? 0) > 0) out.push(fill(at, { ...r, quantity: r.filled_qty, price: r.avg_fill_price }, realizedPnl));
      return out;
    }
    case 'order_unknown':
      return [{ event: 'order_unknown', title: `order ${s(r.client_order_id)} UNKNOWN: entries wait until it is resolved`, at, fields: { client_order_id: s(r.client_order_id), symbol: s(r.symbol), side: s(r.side), quantity: n(r.quantity), error: s(r.error) } }];
    case 'reconcile': {
      const diffs = Array.isArray(r.differences) ? (r.differences as unknown[]).map(s) : [];
      if (diffs.length === 0) return [];
      return [{ event: 'reconcile', title: `reconciliation found ${diffs.length} difference(s) (${s(r.outcome)})`, at, fields: { outcome: s(r.outcome), trigger: s(r.trigger), differences: diffs.join('; ') } }];
    }
    case 'config_drift':
      return [
        {
          event: 'config_drift',
          title: r.drifted === true ? `config on disk (${s(r.config_hash_on_disk)}) differs from the loaded config` : 'config drift cleared',
          at,
          fields: { drifted: r.drifted === true, config_hash: s(r.config_hash), config_hash_on_disk: s(r.config_hash_on_disk), changed_files: Array.isArray(r.changed_files) ? (r.changed_files as unknown[]).map(s).join(', ') : '' },
        },
      ];
    case 'venue_stop':
      if (r.action === 'filled' || r.action === 'partially_filled') return [fill(at, { ...r, side: 'sell', quantity: r.filled_qty, price: r.avg_fill_price }, realizedPnl)];
      if (r.action !== 'rejected' && r.action !== 'cancel_failed') return [];
      return [{ event: 'venue_stop', title: `venue stop ${s(r.action)} for ${s(r.symbol)}: the position is protected by the daemon only`, at, fields: { client_order_id: s(r.client_order_id), symbol: s(r.symbol), quantity: n(r.quantity), stop_price: n(r.stop_price), error: s(r.error) } }];
    default:
      return [];
  }
}

function fill(at: string, o: Rec, realizedPnl: (id: string) => number | null): Notice {
  const id = s(o.client_order_id);
  const exit = o.intent === 'exit' || o.side === 'sell';
  const pnl = exit ? realizedPnl(id) : null;
  return {
    event: 'fill',
    key: id,
    title: `${s(o.side)} ${s(o.symbol)} filled`,
    at,
    fields: { symbol: s(o.symbol), side: s(o.side), quantity: n(o.quantity), price: n(o.price), fee_usd: n(o.fee_usd), ...(exit && { pnl_usd: pnl === null ? null : Math.round(pnl * 100) / 100 }), client_order_id: id },
  };
}

/** The notice for an audit record that could not be written (nothing is sent until the log is writable). */
export const auditWriteErrorNotice = (at: string, error: string, file: string): Notice => ({
  event: 'audit_write_error',
  title: 'audit log write FAILED: no order is sent until it is writable again',
  at,
  fields: { error, file },
});

/** The daily summary notice. */
export const dailySummaryNotice = (at: string, f: { day: string; daily_pnl_usd: number; fills_today: number; equity_usd: number; open_positions: number; config_hash: string }): Notice => ({
  event: 'daily_summary',
  title: `daily summary ${f.day}`,
  at,
  fields: f,
});
