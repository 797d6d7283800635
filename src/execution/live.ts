/**
 * LIVE: real orders through an OrderVenue, write-ahead. For each order: the intent is stored and
 * audited, then sent once, then the outcome is audited and booked, and settled in the journal last. An order whose fate is unknown
 * (timeout, network) is resolved later by its client order id — never resent under a new id — and no
 * new entry is sent while any order is unresolved. Also: resolveUnknown and reconcile.
 */
import { intentFields } from './intentRecord.ts';
import { outcomeOf } from './outcome.ts';
import type { OrderOutcome, PlannedOrder } from '../core/types.ts';
import { ExchangeError } from '../exchange/ccxt/exchangeError.ts';
import type { OrderInfo, OrderRequest, OrderStatus, OrderVenue, Product } from '../exchange/types.ts';
import type { IntentInput, IntentRow, IntentStatus, IntentUpdate } from '../state/types.ts';
import type { ExecutionContext, Executor } from './types.ts';

/**
 * Where intents live between "decided" and "known". The StateStore implements it as is (same method
 * shapes); tests use createMemoryJournal.
 */
export interface IntentJournal {
  /** Stores an intent before anything is sent; false if the client order id is already recorded. */
  recordIntent(i: IntentInput): boolean;
  /** Moves an intent to a new status; false if there is no such intent. */
  updateIntent(clientOrderId: string, u: IntentUpdate): boolean;
  /** Intents in any of `statuses`, oldest first. */
  listIntents(statuses: readonly IntentStatus[]): IntentRow[];
}

/** Writes one audit record (the loop stamps seq/chain); must throw when the record could not be written. */
export type AuditSink = (record: Record<string, unknown>) => void;

/** Intent statuses that mean "we do not know yet what the venue did". */
export const UNRESOLVED_STATUSES: readonly IntentStatus[] = ['pending', 'sent', 'unknown'];

/** What the LIVE executor needs. */
export interface LiveExecutorOptions {
  venue: OrderVenue;
  journal: IntentJournal;
  audit: AuditSink;
  configHash: string;
  /** This cycle's number: a number for a per-cycle executor, a function for one built at startup. */
  cycle: number | (() => number);
  /** Told what the venue said about each order sent (after its outcome is recorded), so fills can be booked. */
  onOrderState?: OrderStateSink;
  /**
   * Before an exit is sent: clears the way on the venue (cancels the position's venue-held stop, recorded).
   * Answers the exit to send (its quantity cut to what is still held) or why none is sent (the stop sold it).
   */
  beforeExit?: (o: PlannedOrder, product: Product | undefined) => Promise<{ send: PlannedOrder } | { skip: string }>;
}

/** What the venue said about one of our orders; the loop books its fills from this. */
export interface OrderState {
  clientOrderId: string;
  symbol: string;
  side: OrderInfo['side'];
  status: OrderStatus;
  exchangeOrderId: string;
  filledQty: number;
  avgFillPrice: number;
  feeUsd: number;
}

/** Receives order states; must not throw (the order is already on the venue). */
export type OrderStateSink = (s: OrderState) => void;

/** Why the LIVE executor did not send an order; rendered into OrderOutcome.error. */
export type LiveDenialCode =
  | 'audit_unavailable'
  | 'duplicate_order'
  | 'unresolved_orders' // an earlier order's fate is unknown: no new entries
  | 'product_not_tradable' // cancel-only, offline
  | 'product_post_only' // product takes post-only limit orders only
  | 'product_limit_only'; // product takes limit orders only

/** True when any intent is still unresolved; the loop blocks new entries while it is. */
export function hasUnresolved(journal: Pick<IntentJournal, 'listIntents'>): boolean {
  return journal.listIntents(UNRESOLVED_STATUSES).length > 0;
}

/** The LIVE executor. */
export function createLiveExecutor(opts: LiveExecutorOptions): Executor & { readonly mode: 'LIVE' } {
  const { venue, journal, audit, configHash } = opts;
  const cycleNow = () => (typeof opts.cycle === 'function' ? opts.cycle() : opts.cycle);

  return {
    mode: 'LIVE',
    async execute(orders: readonly PlannedOrder[], ctx: ExecutionContext): Promise<OrderOutcome[]> {
      const cycle = cycleNow();
      const products = new Map(ctx.snapshot.products.map((p) => [p.symbol, p]));
      // Unresolved orders from earlier cycles block entries from the start; one made here blocks the rest.
      let blockEntries = hasUnresolved(journal);
      const out: OrderOutcome[] = [];
      for (let o of orders) {
        if (o.intent === 'entry' && blockEntries) {
          out.push(outcome(o, { status: 'rejected', error: 'unresolved_orders' }));
          continue;
        }
        const denial = productDenial(o, products.get(o.symbol));
        if (denial) {
          out.push(outcome(o, { status: 'rejected', error: denial }));
          continue;
        }
        if (o.intent === 'exit' && opts.beforeExit) {
          const cleared = await opts.beforeExit(o, products.get(o.symbol));
          if ('skip' in cleared) {
            out.push(outcome(o, { status: 'rejected', error: cleared.skip }));
            continue;
          }
          o = cleared.send;
        }
        const result = await sendOne(o, cycle, ctx.now);
        if (result.status === 'unknown') blockEntries = true;
        out.push(result);
      }
      return out;
    },
  };

  async function sendOne(o: PlannedOrder, cycle: number, now: number): Promise<OrderOutcome> {
    const price = o.limitPrice ?? null;
    // (1) write-ahead: the intent exists before anything leaves.
    if (!journal.recordIntent({ clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, quantity: o.quantity, price, configHash, cycle, ts: now, status: 'pending' })) {
      return outcome(o, { status: 'rejected', error: `duplicate_order: client_order_id=${o.clientOrderId}` });
    }
    // (2) the audit record of the intent; without it nothing is sent.
    try {
      audit({ event: 'order_intent', ...intentFields(o), config_hash: configHash, cycle });
    } catch {
      journal.updateIntent(o.clientOrderId, { status: 'rejected', ts: now, error: 'audit_unavailable' });
      return outcome(o, { status: 'rejected', error: 'audit_unavailable' });
    }
    // (3) send exactly once.
    journal.updateIntent(o.clientOrderId, { status: 'sent', ts: now });
    let info: OrderInfo;
    try {
      info = await venue.createOrder(toRequest(o));
    } catch (e) {
      const err = e instanceof ExchangeError ? e : undefined;
      const message = err?.message ?? `exchange: ${e instanceof Error ? e.name : 'error'}`;
      if (err && (err.kind === 'timeout' || err.kind === 'network')) {
        // The venue may have accepted it: UNKNOWN until looked up by client order id.
        journal.updateIntent(o.clientOrderId, { status: 'unknown', ts: now, error: message });
        safeAudit({ event: 'order_unknown', client_order_id: o.clientOrderId, symbol: o.symbol, side: o.side, quantity: o.quantity, price, config_hash: configHash, cycle, error: message });
        return outcome(o, { status: 'unknown', error: message });
      }
      journal.updateIntent(o.clientOrderId, { status: 'rejected', ts: now, error: message });
      const auditError = recordOutcome({ clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, quantity: o.quantity, price, cycle, status: 'rejected', orderId: null, filledQty: 0, avgFillPrice: 0, feeUsd: 0, error: message });
      return outcome(o, { status: 'rejected', error: auditError ? `${message}; ${auditError}` : message });
    }
    // (3b) an order we did not just create (a reused client id answered with the venue's existing order) is never booked.
    const conflict = conflictOf({ symbol: o.symbol, side: o.side, quantity: o.quantity, type: o.type, createdAt: now }, info);
    if (conflict) return recordConflict({ clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, quantity: o.quantity, price, cycle, conflict, info, now }, o);
    // (4) the outcome: audited, booked, and only then settled in the journal. A crash before the
    // journal update leaves the intent 'sent', so the next start looks it up again (booking is
    // idempotent; at worst a second order_outcome, resolved_by lookup); settled first, a crash
    // would have left an outcome never recorded or a fill never booked.
    const auditError = recordOutcome({ clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, quantity: o.quantity, price, cycle, status: info.status, orderId: info.exchangeOrderId, filledQty: info.filledQty, avgFillPrice: info.avgFillPrice, feeUsd: info.feeUsd, error: null });
    opts.onOrderState?.({ clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, status: info.status, exchangeOrderId: info.exchangeOrderId, filledQty: info.filledQty, avgFillPrice: info.avgFillPrice, feeUsd: info.feeUsd });
    journal.updateIntent(o.clientOrderId, { status: intentStatus(info.status), ts: now, exchangeOrderId: info.exchangeOrderId, error: null });
    return outcome(o, {
      status: outcomeStatus(info.status),
      orderId: info.exchangeOrderId,
      price: info.filledQty > 0 ? info.avgFillPrice : price,
      feeUsd: info.feeUsd,
      error: auditError,
    });
  }

  /** Records a client-id conflict: journal rejected, an `order_conflict` record (the alert), nothing booked. */
  function recordConflict(c: ConflictFacts, o: PlannedOrder): OrderOutcome {
    const error = `client_id_conflict: ${c.conflict}`;
    journal.updateIntent(c.clientOrderId, { status: 'rejected', ts: c.now, exchangeOrderId: c.info.exchangeOrderId, error });
    const auditError = safeAudit(conflictRecord(c, configHash));
    return outcome(o, { status: 'rejected', error: auditError ? `${error}; ${auditError}` : error, orderId: c.info.exchangeOrderId });
  }

  /** Audits an outcome; returns an error note instead of throwing, because the order is already on the venue. */
  function recordOutcome(r: OutcomeRecord): string | null {
    return safeAudit(outcomeRecord(r, configHash));
  }

  function safeAudit(record: Record<string, unknown>): string | null {
    try {
      audit(record);
      return null;
    } catch {
      return 'audit_unavailable';
    }
  }
}

/** The order an order_outcome or order_conflict record is about. */
export interface OrderRef {
  clientOrderId: string;
  symbol: string;
  side: string;
  quantity: number;
  price: number | null;
  cycle: number;
}

/** The order's fields and the config hash, as every order_outcome and order_conflict record carries them. */
function orderRefFields(r: OrderRef, configHash: string): Record<string, unknown> {
  return { client_order_id: r.clientOrderId, symbol: r.symbol, side: r.side, quantity: r.quantity, price: r.price, config_hash: configHash, cycle: r.cycle };
}

/** The fields of an order_outcome audit record. */
export interface OutcomeRecord extends OrderRef {
  status: OrderStatus;
  orderId: string | null;
  filledQty: number;
  avgFillPrice: number;
  feeUsd: number;
  error: string | null;
  resolvedBy?: string;
}

/** The order_outcome record of an order (executor, lookups, venue stops). */
export function outcomeRecord(r: OutcomeRecord, configHash: string): Record<string, unknown> {
  return {
    event: 'order_outcome',
    ...orderRefFields(r, configHash),
    status: r.status,
    order_id: r.orderId,
    filled_qty: r.filledQty,
    avg_fill_price: r.avgFillPrice,
    fee_usd: r.feeUsd,
    error: r.error,
    ...(r.resolvedBy !== undefined && { resolved_by: r.resolvedBy }),
  };
}

/**
 * How far before our intent a venue order may say it was created and still be ours (clock skew between
 * us and the venue). An order older than that under our client id was created by someone else, earlier.
 */
export const CONFLICT_SKEW_MS = 60_000;

/**
 * Why the venue's order under our client id is not the one we asked for, or undefined when it is:
 * another symbol or side, another size (limit orders; a market buy is sized in USD), or created well
 * before our intent existed. Coinbase answers a reused client_order_id with the existing order.
 */
export function conflictOf(
  mine: { symbol: string; side: string; quantity: number; type: 'limit' | 'market' | undefined; createdAt: number },
  venue: Pick<OrderInfo, 'symbol' | 'side' | 'quantity' | 'createdAt'>,
): string | undefined {
  if (venue.symbol && venue.symbol !== mine.symbol) return `symbol=${venue.symbol}, expected=${mine.symbol}`;
  if (venue.side !== mine.side) return `side=${venue.side}, expected=${mine.side}`;
  if (mine.type === 'limit' && venue.quantity > 0 && Math.abs(venue.quantity - mine.quantity) > 1e-9 * Math.max(1, mine.quantity)) return `quantity=${venue.quantity}, expected=${mine.quantity}`;
  if (venue.createdAt > 0 && venue.createdAt < mine.createdAt - CONFLICT_SKEW_MS) return `created_at=${new Date(venue.createdAt).toISOString()}, intent_at=${new Date(mine.createdAt).toISOString()}`;
  return undefined;
}

/** What an `order_conflict` record says. */
export interface ConflictFacts extends OrderRef {
  conflict: string;
  info: OrderInfo;
  now: number;
}

/** The order_conflict record: our order, the venue's order under its client id, never booked. */
export function conflictRecord(c: ConflictFacts, configHash: string): Record<string, unknown> {
  return {
    event: 'order_conflict',
    ...orderRefFields(c, configHash),
    conflict: c.conflict,
    venue_order: { order_id: c.info.exchangeOrderId, symbol: c.info.symbol, side: c.info.side, status: c.info.status, quantity: c.info.quantity, filled_qty: c.info.filledQty, created_at: c.info.createdAt > 0 ? new Date(c.info.createdAt).toISOString() : null },
    booked: false,
  };
}

/** A denial for a product whose trading status does not take this order, or nothing. */
export function productDenial(o: PlannedOrder, p: Product | undefined): string | undefined {
  if (!p) return undefined; // the venue will say; the planner only plans listed products
  if (p.status === 'offline' || p.status === 'cancel_only') return `product_not_tradable: symbol=${o.symbol}, status=${p.status}`;
  if (p.status === 'post_only' && !(o.type === 'limit' && o.postOnly)) return `product_post_only: symbol=${o.symbol}`;
  if (p.status === 'limit_only' && o.type !== 'limit') return `product_limit_only: symbol=${o.symbol}`;
  return undefined;
}

function toRequest(o: PlannedOrder): OrderRequest {
  // A market buy on a venue that sizes it in USD needs a reference price; the planner priced notional with it.
  const ref = o.limitPrice ?? (o.type === 'market' && o.quantity > 0 ? o.notionalUsd / o.quantity : undefined);
  return {
    clientOrderId: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    quantity: o.quantity,
    ...(ref !== undefined && { limitPrice: ref }),
    postOnly: o.postOnly,
  };
}

/** The journal's status for a venue status (the journal has no partially_filled: such an order is still open). */
export function intentStatus(s: OrderStatus): IntentStatus {
  switch (s) {
    case 'open':
    case 'partially_filled':
      return 'open';
    case 'filled':
      return 'filled';
    case 'cancelled':
    case 'expired':
      return 'cancelled';
    case 'rejected':
      return 'rejected';
  }
}

function outcomeStatus(s: OrderStatus): OrderOutcome['status'] {
  return s === 'expired' ? 'cancelled' : s;
}

function outcome(
  o: PlannedOrder,
  r: { status: OrderOutcome['status']; error: string | null; orderId?: string | null; price?: number | null; feeUsd?: number },
): OrderOutcome {
  const success = r.status === 'filled' || r.status === 'partially_filled' || r.status === 'open';
  return outcomeOf(o, { status: r.status, price: r.price !== undefined ? r.price : (o.limitPrice ?? null), order_id: r.orderId ?? null, success, fee_usd: r.feeUsd ?? 0, error: r.error });
}

// ---- resolving unknown orders -------------------------------------------------------------

/** What resolveUnknown did, per client order id. */
export interface ResolveReport {
  resolved: { clientOrderId: string; status: IntentStatus; exchangeOrderId: string }[];
  rejected: string[]; // not on the venue after the grace period
  stillUnknown: string[]; // lookup failed, or not found yet within the grace period
}

/**
 * Looks up every pending/sent/unknown intent on the venue by its client order id. Found: its real
 * status is recorded (journal + one order_outcome record). Not found after `graceMs` since the intent
 * was created, or not found and never sent (still 'pending'): rejected (it is never resent). Otherwise it stays unresolved.
 */
export async function resolveUnknown(
  venue: Pick<OrderVenue, 'fetchOrder'>,
  journal: IntentJournal,
  audit: AuditSink,
  opts: { now: number; graceMs: number; onOrderState?: OrderStateSink },
): Promise<ResolveReport> {
  const report: ResolveReport = { resolved: [], rejected: [], stillUnknown: [] };
  for (const i of journal.listIntents(UNRESOLVED_STATUSES)) {
    let found: OrderInfo | undefined;
    try {
      found = await venue.fetchOrder(i.clientOrderId, i.symbol);
    } catch {
      report.stillUnknown.push(i.clientOrderId);
      continue;
    }
    const base = { clientOrderId: i.clientOrderId, symbol: i.symbol, side: i.side, quantity: i.quantity, price: i.price, cycle: i.cycle };
    const conflict = found && conflictOf({ symbol: i.symbol, side: i.side, quantity: i.quantity, type: i.price === null ? 'market' : 'limit', createdAt: i.createdAt }, found);
    if (found && conflict) {
      const error = `client_id_conflict: ${conflict}`;
      journal.updateIntent(i.clientOrderId, { status: 'rejected', ts: opts.now, exchangeOrderId: found.exchangeOrderId, error });
      safe(audit, { ...conflictRecord({ ...base, conflict, info: found, now: opts.now }, i.configHash), resolved_by: 'lookup' });
      report.rejected.push(i.clientOrderId);
    } else if (found) {
      const status = intentStatus(found.status);
      // Same order as sendOne: audit, book, then settle the journal (a crash in between repeats the lookup).
      safe(audit, outcomeRecord({ ...base, status: found.status, orderId: found.exchangeOrderId, filledQty: found.filledQty, avgFillPrice: found.avgFillPrice, feeUsd: found.feeUsd, error: null, resolvedBy: 'lookup' }, i.configHash));
      opts.onOrderState?.({ clientOrderId: i.clientOrderId, symbol: i.symbol, side: i.side, status: found.status, exchangeOrderId: found.exchangeOrderId, filledQty: found.filledQty, avgFillPrice: found.avgFillPrice, feeUsd: found.feeUsd });
      journal.updateIntent(i.clientOrderId, { status, ts: opts.now, exchangeOrderId: found.exchangeOrderId, error: null });
      report.resolved.push({ clientOrderId: i.clientOrderId, status, exchangeOrderId: found.exchangeOrderId });
    } else if (i.status === 'pending' || i.stopPrice !== null || opts.now - i.createdAt >= opts.graceMs) {
      // 'pending' is written before the intent's audit record and left for 'sent' before the send, with
      // no await in between: a pending intent is one a crash stopped before it was sent. No grace needed.
      // A venue stop not found is closed at once too, so the position gets a new one now: unprotected for
      // the grace is the greater risk (and the venue holds the coins under a resting stop: two cannot both rest).
      const error = i.status === 'pending' ? 'never_sent' : 'not_found_on_venue';
      journal.updateIntent(i.clientOrderId, { status: 'rejected', ts: opts.now, error });
      safe(audit, outcomeRecord({ ...base, status: 'rejected', orderId: null, filledQty: 0, avgFillPrice: 0, feeUsd: 0, error, resolvedBy: 'lookup' }, i.configHash));
      report.rejected.push(i.clientOrderId);
    } else {
      report.stillUnknown.push(i.clientOrderId);
    }
  }
  return report;
}

function safe(audit: AuditSink, r: Record<string, unknown>): void {
  try {
    audit(r);
  } catch {
    // The journal already holds the resolution; the loop's own audit failure handling reports the outage.
  }
}

// ---- reconciliation -----------------------------------------------------------------------

/** One thing that differs between our books and the venue. */
export interface ReconcileDifference {
  code: 'position_mismatch' | 'unknown_open_order' | 'missing_open_order' | 'cancel_failed';
  detail: Record<string, string | number>;
}

/** What reconcile found and did. */
export interface ReconcileResult {
  differences: ReconcileDifference[];
  cancelled: string[]; // client order ids of stale orders cancelled
}

/** `CODE: key=value, …` for a difference, as every denial and difference is rendered at the edge. */
export function renderDifference(d: ReconcileDifference): string {
  const parts = Object.entries(d.detail).map(([k, v]) => `${k}=${v}`);
  return parts.length ? `${d.code}: ${parts.join(', ')}` : d.code;
}

/**
 * Compares local positions (symbol -> base quantity) and open orders (client order ids) with the
 * venue's balances and open orders, and cancels our open orders older than `ttlSeconds`. Orders the
 * venue has that we do not know are reported, not touched (they may be the operator's).
 */
export async function reconcile(
  venue: Pick<OrderVenue, 'fetchBalances' | 'fetchOpenOrders' | 'cancelOrder'>,
  local: { positions: Record<string, number>; openOrders: readonly string[] },
  opts: { ttlSeconds: number; now: number; quote?: string; relTolerance?: number },
): Promise<ReconcileResult> {
  const quote = opts.quote ?? 'USD';
  const tol = opts.relTolerance ?? 1e-6;
  const differences: ReconcileDifference[] = [];
  const cancelled: string[] = [];

  const balances = await venue.fetchBalances();
  const venueQty = new Map(balances.filter((b) => b.asset !== quote).map((b) => [b.asset, b.total]));
  const localQty = new Map<string, number>();
  for (const [symbol, q] of Object.entries(local.positions)) {
    const asset = symbol.split('-')[0] as string;
    localQty.set(asset, (localQty.get(asset) ?? 0) + q);
  }
  for (const asset of [...new Set([...venueQty.keys(), ...localQty.keys()])].sort()) {
    const mine = localQty.get(asset) ?? 0;
    const theirs = venueQty.get(asset) ?? 0;
    if (Math.abs(mine - theirs) > tol * Math.max(Math.abs(mine), Math.abs(theirs), 1e-12) && Math.abs(mine - theirs) > 1e-12) {
      differences.push({ code: 'position_mismatch', detail: { symbol: `${asset}-${quote}`, local: mine, exchange: theirs } });
    }
  }

  const open = await venue.fetchOpenOrders();
  const ours = new Set(local.openOrders);
  const onVenue = new Set(open.map((o) => o.clientOrderId));
  for (const o of open) {
    if (!ours.has(o.clientOrderId)) {
      differences.push({ code: 'unknown_open_order', detail: { client_order_id: o.clientOrderId, symbol: o.symbol } });
      continue;
    }
    const ageS = (opts.now - o.createdAt) / 1000;
    if (ageS <= opts.ttlSeconds) continue;
    try {
      await venue.cancelOrder(o.clientOrderId, o.symbol);
      cancelled.push(o.clientOrderId);
    } catch (e) {
      differences.push({ code: 'cancel_failed', detail: { client_order_id: o.clientOrderId, symbol: o.symbol, kind: e instanceof ExchangeError ? e.kind : 'error' } });
    }
  }
  for (const id of local.openOrders) {
    if (!onVenue.has(id)) differences.push({ code: 'missing_open_order', detail: { client_order_id: id } });
  }
  return { differences, cancelled };
}

// ---- in-memory journal (tests, tools) ---------------------------------------------------------

/** An IntentJournal in memory, same semantics as the StateStore's. */
export function createMemoryJournal(): IntentJournal & { get(clientOrderId: string): IntentRow | undefined; all(): IntentRow[] } {
  const rows = new Map<string, IntentRow>();
  return {
    recordIntent(i) {
      if (rows.has(i.clientOrderId)) return false;
      rows.set(i.clientOrderId, {
        clientOrderId: i.clientOrderId,
        symbol: i.symbol,
        side: i.side,
        quantity: i.quantity,
        price: i.price,
        configHash: i.configHash,
        cycle: i.cycle,
        status: i.status ?? 'pending',
        createdAt: i.ts,
        updatedAt: i.ts,
        exchangeOrderId: null,
        error: null,
        stopPrice: i.stopPrice ?? null,
      });
      return true;
    },
    updateIntent(id, u) {
      const r = rows.get(id);
      if (!r) return false;
      r.status = u.status;
      r.updatedAt = u.ts;
      if (u.exchangeOrderId !== undefined) r.exchangeOrderId = u.exchangeOrderId;
      if (u.error !== undefined) r.error = u.error;
      return true;
    },
    listIntents(statuses) {
      return [...rows.values()].filter((r) => statuses.includes(r.status)).sort((a, b) => a.createdAt - b.createdAt);
    },
    get: (id) => rows.get(id),
    all: () => [...rows.values()],
  };
}
