/**
 * The order record (`audit orders`) rebuilt from audit records alone: one row per order event, in log
 * order. Where each event comes from:
 *
 *   intent   order_intent (PAPER, LIVE: written before the order goes anywhere); DRY_RUN: the cycle
 *            record's orders[] entry with status "recorded" (never sent)
 *   submit   LIVE order_intent: the executor writes it and then sends the order once, with no wait in
 *            between, so the intent record's time is the submit time. An intent a crash stopped
 *            before the send is settled later as rejected "never_sent": it gets no submit row.
 *   ack      order_outcome with status open (resting on the venue)
 *   fill     order_outcome filled / partially_filled; reconcile `actions.updated` "<id>:filled";
 *            a venue stop's `venue_stop` record with action filled / partially_filled;
 *            PAPER and BACKTEST: the cycle record's orders[] entry
 *   cancel   order_outcome cancelled / expired; reconcile "<id>:cancelled" or `cancelled_stale`;
 *            shutdown `open_orders_cancelled`; `venue_stop` action cancelled
 *   reject   order_outcome rejected (venue or never sent); an order the executor held back
 *            (cycle orders[] with status rejected and no intent)
 *   unknown  order_unknown (timeout or network error while sending; resolved by a later lookup row)
 *
 * The earlier bot's log (no `event`, no client order id, no status) gives one `unknown` row per
 * orders[] entry, keyed by its order_id, with status success / failed from its `success` flag.
 *
 * A cycle record's orders[] entry is used only when no order_outcome / order_unknown record about
 * that order came before it (LIVE writes those during the cycle, so LIVE orders are never doubled).
 * Rows about an order repeat what its intent said (symbol, side, type, reason…) when their own
 * record does not carry it, and every row carries the order's final status as `outcome`.
 */

/** The kinds of order event a row describes. */
export type OrderEvent = 'intent' | 'submit' | 'ack' | 'fill' | 'cancel' | 'reject' | 'unknown';

/** One row of the order record; null where the log does not say. */
export interface OrderRow {
  /** UTC, ISO-8601 with milliseconds. */
  timestamp: string;
  /** seq of the audit record the row comes from (null in a log written before chaining). */
  seq: number | null;
  instance_id: string | null;
  mode: string | null;
  /** The exchange named by the instance's latest startup record. */
  venue: string | null;
  event: OrderEvent;
  symbol: string | null;
  side: string | null;
  /** limit | market (limit_post_only is limit with post_only true). */
  type: string | null;
  post_only: boolean | null;
  /** Limit price (intent, submit) or the price the row's record reports. */
  price: number | null;
  quantity: number | null;
  filled_qty: number | null;
  avg_fill_price: number | null;
  fee_usd: number | null;
  client_order_id: string;
  exchange_order_id: string | null;
  /** Algorithm identification: the config hash and the code that ran it. */
  config_hash: string | null;
  code_version: string | null;
  code_hash: string | null;
  /** entry | exit. */
  intent: string | null;
  /** Trigger types (entries) or the exit rule that proposed the order. */
  decision_reason: string | null;
  conviction: number | null;
  /**
   * "passed": an order exists only once its proposal passed every risk check and the order every
   * pre-trade check (which checks: the code_version and config_hash say). An order the executor
   * held back after that is a `reject` row with its reason in `error`. Null for the earlier bot's log.
   */
  risk_checks: 'passed' | null;
  /** The status this row reports (recorded, sent, open, filled, cancelled, rejected, unknown…). */
  status: string;
  /** The order's last known status in the whole log. */
  outcome: string | null;
  error: string | null;
}

/** What is known of one order, filled in from its intent and updated by later rows. */
interface OrderInfo {
  symbol: string | null;
  side: string | null;
  type: string | null;
  post_only: boolean | null;
  quantity: number | null;
  price: number | null;
  intent: string | null;
  reason: string | null;
  conviction: number | null;
  exchangeOrderId: string | null;
  outcome: string | null;
  settled: boolean;
  submitRow?: OrderRow;
}

type Rec = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const EVENT_OF: Readonly<Record<string, OrderEvent>> = {
  recorded: 'intent',
  open: 'ack',
  filled: 'fill',
  partially_filled: 'fill',
  cancelled: 'cancel',
  expired: 'cancel',
  rejected: 'reject',
  unknown: 'unknown',
};

/** Folds audit records (in log order) into order rows; `finish()` returns them. */
export class OrderRowBuilder {
  private readonly rows: OrderRow[] = [];
  private readonly orders = new Map<string, OrderInfo>();
  /** instance → venue and code hash of its latest startup record. */
  private readonly instances = new Map<string, { venue: string | null; codeHash: string | null }>();

  /** Takes the next record of the log. */
  add(r: Rec): void {
    const event = r.event;
    if (event === 'startup') {
      this.instances.set(String(r.instance_id ?? ''), { venue: str(r.exchange), codeHash: str(r.code_hash) });
      return;
    }
    if (event === 'order_intent') return this.intent(r);
    if (event === 'order_outcome' || event === 'order_unknown') return this.outcome(r);
    if ((event === 'cycle' || event === undefined) && Array.isArray(r.orders)) for (const o of r.orders as Rec[]) this.cycleOrder(r, o);
    if (event === 'reconcile') this.reconcile(r);
    if (event === 'venue_stop') this.venueStop(r);
    if (event === 'shutdown' && Array.isArray(r.open_orders_cancelled)) {
      for (const id of r.open_orders_cancelled) this.later(r, String(id), 'cancelled');
    }
  }

  /** The rows, each with its order's final status. */
  finish(): OrderRow[] {
    const out = this.rows.filter((row) => this.orders.get(row.client_order_id)?.submitRow !== row || !this.neverSent(row.client_order_id));
    for (const row of out) row.outcome = this.orders.get(row.client_order_id)?.outcome ?? row.status;
    return out;
  }

  private neverSent(id: string): boolean {
    return this.orders.get(id)?.outcome === 'never_sent';
  }

  private info(id: string): OrderInfo {
    let o = this.orders.get(id);
    if (!o) {
      o = { symbol: null, side: null, type: null, post_only: null, quantity: null, price: null, intent: null, reason: null, conviction: null, exchangeOrderId: null, outcome: null, settled: false };
      this.orders.set(id, o);
    }
    return o;
  }

  private intent(r: Rec): void {
    const id = str(r.client_order_id);
    if (id === null) return;
    const o = this.info(id);
    o.symbol = str(r.symbol);
    o.side = str(r.side);
    o.type = str(r.type);
    o.post_only = typeof r.post_only === 'boolean' ? r.post_only : null;
    o.quantity = num(r.quantity);
    o.price = num(r.price);
    o.intent = str(r.intent);
    o.reason = str(r.reason);
    o.conviction = num(r.conviction);
    o.outcome = 'intended';
    this.push(r, id, 'intent', 'intended', {});
    if (r.mode === 'LIVE') {
      o.outcome = 'sent';
      o.submitRow = this.push(r, id, 'submit', 'sent', {});
    }
  }

  private outcome(r: Rec): void {
    const id = str(r.client_order_id);
    if (id === null) return;
    const o = this.info(id);
    o.symbol ??= str(r.symbol);
    o.side ??= str(r.side);
    o.quantity ??= num(r.quantity);
    o.settled = true;
    const status = r.event === 'order_unknown' ? 'unknown' : (str(r.status) ?? 'unknown');
    const error = str(r.error);
    o.exchangeOrderId = str(r.order_id) ?? o.exchangeOrderId;
    o.outcome = error === 'never_sent' ? 'never_sent' : status;
    this.push(r, id, EVENT_OF[status] ?? 'unknown', status, {
      price: num(r.price),
      filled_qty: num(r.filled_qty),
      avg_fill_price: num(r.avg_fill_price),
      fee_usd: num(r.fee_usd),
      error,
    });
  }

  private cycleOrder(r: Rec, c: Rec): void {
    const id = str(c.client_order_id) ?? str(c.order_id);
    if (id === null) return;
    const seen = this.orders.get(id);
    if (seen?.settled) return; // LIVE: its order_outcome / order_unknown rows tell it
    const o = this.info(id);
    o.symbol ??= str(c.symbol);
    o.side ??= str(c.side);
    o.quantity ??= num(c.quantity);
    o.intent ??= str(c.intent);
    const status = str(c.status) ?? (c.success === true ? 'success' : c.success === false ? 'failed' : 'unknown');
    const event = EVENT_OF[status] ?? 'unknown';
    o.exchangeOrderId = str(c.order_id) ?? o.exchangeOrderId;
    o.outcome = status;
    const filled = status === 'filled';
    this.push(r, id, event, status, {
      price: num(c.price),
      filled_qty: filled ? num(c.quantity) : null,
      avg_fill_price: filled ? num(c.price) : null,
      fee_usd: num(c.fee_usd),
      error: str(c.error),
    });
  }

  private reconcile(r: Rec): void {
    const actions = (r.actions ?? {}) as Rec;
    const updated = Array.isArray(actions.updated) ? (actions.updated as unknown[]).map(String) : [];
    const seen = new Set<string>();
    for (const u of updated) {
      const at = u.lastIndexOf(':');
      if (at <= 0) continue;
      const id = u.slice(0, at);
      seen.add(id);
      this.later(r, id, u.slice(at + 1));
    }
    const stale = Array.isArray(actions.cancelled_stale) ? (actions.cancelled_stale as unknown[]).map(String) : [];
    for (const id of stale) if (!seen.has(id)) this.later(r, id, 'cancelled');
  }

  /** A venue stop's later life (LIVE, src/runner/venueStops.ts): its fills and its cancel, with quantities. */
  private venueStop(r: Rec): void {
    const id = str(r.client_order_id);
    const status = r.action === 'filled' || r.action === 'partially_filled' || r.action === 'cancelled' ? r.action : undefined;
    if (id === null || status === undefined) return;
    this.info(id).outcome = status;
    this.push(r, id, EVENT_OF[status] ?? 'unknown', status, { filled_qty: num(r.filled_qty), avg_fill_price: num(r.avg_fill_price), fee_usd: num(r.fee_usd) });
  }

  /** A status learnt after the send (reconcile, shutdown cancel): no quantities in the record. */
  private later(r: Rec, id: string, status: string): void {
    this.info(id).outcome = status;
    this.push(r, id, EVENT_OF[status] ?? 'unknown', status, {});
  }

  private push(r: Rec, id: string, event: OrderEvent, status: string, f: Partial<OrderRow>): OrderRow {
    const o = this.info(id);
    const inst = this.instances.get(String(r.instance_id ?? ''));
    const ts = Date.parse(String(r.timestamp));
    const row: OrderRow = {
      timestamp: Number.isNaN(ts) ? String(r.timestamp ?? '') : new Date(ts).toISOString(),
      seq: num(r.seq),
      instance_id: str(r.instance_id),
      mode: str(r.mode),
      venue: inst?.venue ?? null,
      event,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      post_only: o.post_only,
      price: f.price !== undefined ? f.price : o.price,
      quantity: o.quantity,
      filled_qty: f.filled_qty ?? null,
      avg_fill_price: f.avg_fill_price ?? null,
      fee_usd: f.fee_usd ?? null,
      client_order_id: id,
      exchange_order_id: o.exchangeOrderId,
      config_hash: str(r.config_hash),
      code_version: str(r.code_version),
      code_hash: inst?.codeHash ?? null,
      intent: o.intent,
      decision_reason: o.reason,
      conviction: o.conviction,
      risk_checks: r.event === undefined ? null : 'passed',
      status,
      outcome: null,
      error: f.error ?? null,
    };
    this.rows.push(row);
    return row;
  }
}
