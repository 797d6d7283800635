/**
 * Venue-held stops (LIVE, policy execution.venue_stop_loss): a stop-limit sell on the exchange for every
 * held position, so a position stays protected while the daemon, the host or the network is down.
 * `protect` (after each cycle's orders, and at shutdown) places missing stops write-ahead like every
 * order (intent stored, `order_intent` record, one send, `order_outcome`), replaces a stop whose size or
 * price no longer fits the position, and cancels stops of positions that are gone. `sync` (startup and
 * each cycle, before anything is decided) books what the venue's stops filled. `clearFor` (before the
 * daemon sends an exit) cancels the position's stop first, and books the stop's fill instead when the
 * stop already sold. Every placement, change, cancel and fill is a `venue_stop` record; the decisions
 * themselves are core/venueStop.ts.
 */
import type { Policy } from '../config/schema/policy.ts';
import { clientOrderId, floorToIncrement } from '../core/orders.ts';
import type { PlannedOrder } from '../core/types.ts';
import { decideVenueStop, planVenueStop, type StopPlan } from '../core/venueStop.ts';
import { ExchangeError } from '../exchange/ccxt/exchangeError.ts';
import type { OrderInfo, OrderVenue, Product } from '../exchange/types.ts';
import { newIdNonce } from '../execution/idNonce.ts';
import { conflictOf, conflictRecord, intentStatus, outcomeRecord, UNRESOLVED_STATUSES, type AuditSink, type OrderState } from '../execution/live.ts';
import type { Logger } from '../log.ts';
import type { StateStore } from '../state/store.ts';
import type { IntentRow } from '../state/types.ts';

/** What VenueStops needs. */
export interface VenueStopsOptions {
  venue: OrderVenue;
  store: StateStore;
  policy: Pick<Policy, 'execution'>;
  instanceId: string;
  configHash: string;
  /** Strict sink for order_intent (throws when the record is not durable: then nothing is sent). */
  audit: AuditSink;
  /** Writes a `venue_stop` record (stamped by the loop). */
  record: (fields: Record<string, unknown>) => void;
  /** Books what the venue says an order filled (LiveSession.book: idempotent). */
  book: (s: OrderState) => void;
  /** The venue's current rules and prices for a symbol (from the cycle's product list). */
  rules: (symbol: string) => Product | undefined;
  log: Logger;
  now: () => number;
}

/** What a `venue_stop` record says happened. */
type StopAction = 'placed' | 'rejected' | 'unknown' | 'triggered' | 'filled' | 'partially_filled' | 'cancelled' | 'cancel_failed';

const isStop = (i: IntentRow): boolean => i.stopPrice !== null;

/**
 * The store's note that a stop's trigger was recorded (meta, removed once the stop closes): one
 * `triggered` record per stop, across restarts. Written after the record: a crash in between records
 * it once more, never not at all.
 */
const triggeredKey = (clientOrderId: string): string => `venue_stop_triggered:${clientOrderId}`;

/** The LIVE venue-stop duty; one per daemon. */
export class VenueStops {
  constructor(private readonly o: VenueStopsOptions) {}

  /** Our stops the venue holds open (from the store), optionally for one symbol. */
  open(symbol?: string): IntentRow[] {
    return this.o.store.listIntents(['open']).filter((i) => isStop(i) && (symbol === undefined || i.symbol === symbol));
  }

  /**
   * Startup and each cycle, before anything is decided: what the venue did with our stops (one listing of
   * open orders; a stop not in it is looked up). Fills are booked and recorded; a read failure leaves it to the next call.
   */
  async sync(cycle: number): Promise<void> {
    const stops = this.open();
    if (stops.length === 0) return;
    let listed: Map<string, OrderInfo>;
    try {
      listed = new Map((await this.o.venue.fetchOpenOrders()).map((x) => [x.clientOrderId, x]));
    } catch (e) {
      this.o.log.warn({ err: message(e) }, 'venue stops not checked: open orders could not be read');
      return;
    }
    for (const s of stops) {
      let info = listed.get(s.clientOrderId);
      if (!info) {
        try {
          info = await this.o.venue.fetchOrder(s.clientOrderId, s.symbol);
        } catch (e) {
          this.o.log.warn({ client_order_id: s.clientOrderId, err: message(e) }, 'venue stop lookup failed');
          continue;
        }
      }
      if (info) this.track(s, info, cycle, {});
    }
  }

  /**
   * After the cycle's orders, and at shutdown: every held position gets its stop for the whole sellable
   * quantity, a stop that no longer fits is replaced (cancel, then place), stops of positions that are
   * gone are cancelled. Off (execution.venue_stop_loss: false): nothing is placed. `final` (shutdown):
   * a stop the venue refused lately is asked for once more (core/venueStop.ts: the refusal backoff).
   */
  async protect(cycle: number, o: { final?: boolean } = {}): Promise<void> {
    const { store, policy } = this.o;
    if (!policy.execution.venue_stop_loss) return;
    const open = store.listIntents(['open']);
    const unresolved = store.listIntents(UNRESOLVED_STATUSES);
    const refused = store.listIntents(['rejected']).filter(isStop);
    const symbols = new Set([...store.positions().map((p) => p.symbol), ...open.filter(isStop).map((i) => i.symbol)]);
    for (const symbol of [...symbols].sort()) {
      const position = store.position(symbol);
      const plan = position && planVenueStop(position, this.o.rules(symbol), policy.execution.venue_stop_limit_offset_pct);
      const on = (i: IntentRow) => i.symbol === symbol;
      const sincePosition = (i: IntentRow) => on(i) && position !== undefined && i.createdAt >= position.entryTime;
      const d = decideVenueStop({ position, plan, open: open.filter(on), unresolved: unresolved.filter(on), refused: refused.filter(sincePosition), cycle, final: o.final === true });
      if (d.do === 'place') await this.place(symbol, d.plan, cycle);
      else if (d.do === 'replace' || d.do === 'cancel') {
        const reason = d.do === 'replace' ? 'replaced' : 'position_closed';
        let clear = true;
        for (const s of d.stops) clear = (await this.cancel(open.find((i) => i.clientOrderId === s.clientOrderId)!, cycle, { reason })) && clear;
        // A cancel that failed or found fills: the position changed; the next cycle decides again.
        if (d.do === 'replace' && clear && store.position(symbol)?.quantity === position?.quantity) await this.place(symbol, d.plan, cycle);
      }
    }
  }

  /**
   * Before the daemon sends an exit: the position's stop is cancelled first (recorded). When the cancel
   * shows the stop already sold, that fill is booked and no exit is sent; a partial one cuts the exit to
   * what is still held. A failed cancel sends no exit (the stop still protects; the next cycle tries again).
   */
  async clearFor(o: PlannedOrder, product: Product | undefined, cycle: number): Promise<{ send: PlannedOrder } | { skip: string }> {
    const stops = this.open(o.symbol);
    if (stops.length === 0) return { send: o };
    for (const s of stops) {
      if (!(await this.cancel(s, cycle, { reason: 'exit', exit_client_order_id: o.clientOrderId }))) {
        const still = this.o.store.getIntent(s.clientOrderId);
        if (still?.status === 'open') return { skip: `venue_stop_cancel_failed: client_order_id=${s.clientOrderId}` };
      }
    }
    const pos = this.o.store.position(o.symbol);
    const held = pos ? (product ? floorToIncrement(pos.quantity, product.baseIncrement) : pos.quantity) : 0;
    if (!(held > 0)) return { skip: `venue_stop_filled: symbol=${o.symbol}` };
    if (held < o.quantity - 1e-12) return { send: { ...o, quantity: held, notionalUsd: round((o.notionalUsd / o.quantity) * held) } };
    return { send: o };
  }

  /** Client order ids of the stops left on the venue (the shutdown record lists them). */
  kept(): string[] {
    return this.open().map((i) => i.clientOrderId);
  }

  // ---- internals ------------------------------------------------------------

  /** Places one stop, write-ahead: intent stored, order_intent audited, sent once, outcome audited, booked, settled. */
  private async place(symbol: string, plan: StopPlan, cycle: number): Promise<void> {
    const { store, venue, configHash } = this.o;
    const id = clientOrderId(this.o.instanceId, cycle, symbol, 'sell', newIdNonce());
    const now = this.o.now();
    const base = { client_order_id: id, symbol, quantity: plan.quantity, stop_price: plan.stopPrice, limit_price: plan.limitPrice, cycle };
    if (!store.recordIntent({ clientOrderId: id, symbol, side: 'sell', quantity: plan.quantity, price: plan.limitPrice, stopPrice: plan.stopPrice, configHash, cycle, ts: now, status: 'pending' })) return;
    try {
      this.o.audit({ event: 'order_intent', client_order_id: id, symbol, side: 'sell', quantity: plan.quantity, price: plan.limitPrice, stop_price: plan.stopPrice, intent: 'venue_stop', type: 'stop_limit', post_only: false, notional_usd: round(plan.quantity * plan.limitPrice), reason: 'venue_stop_loss', tier: store.position(symbol)?.tier ?? null, config_hash: configHash, cycle });
    } catch {
      store.updateIntent(id, { status: 'rejected', ts: now, error: 'audit_unavailable' });
      return;
    }
    store.updateIntent(id, { status: 'sent', ts: now });
    const ref = { clientOrderId: id, symbol, side: 'sell', quantity: plan.quantity, price: plan.limitPrice, cycle };
    let info: OrderInfo;
    try {
      info = await venue.createOrder({ clientOrderId: id, symbol, side: 'sell', type: 'limit', quantity: plan.quantity, limitPrice: plan.limitPrice, stopPrice: plan.stopPrice, postOnly: false });
    } catch (e) {
      const err = e instanceof ExchangeError ? e : undefined;
      const error = err?.message ?? `exchange: ${e instanceof Error ? e.name : 'error'}`;
      if (err && (err.kind === 'timeout' || err.kind === 'network')) {
        store.updateIntent(id, { status: 'unknown', ts: now, error });
        this.safe({ event: 'order_unknown', client_order_id: id, symbol, side: 'sell', quantity: plan.quantity, price: plan.limitPrice, config_hash: configHash, cycle, error });
        this.note('unknown', { ...base, error });
        return;
      }
      store.updateIntent(id, { status: 'rejected', ts: now, error });
      this.safe(outcomeRecord({ ...ref, status: 'rejected', orderId: null, filledQty: 0, avgFillPrice: 0, feeUsd: 0, error }, configHash));
      // The alert: the position has no venue stop; the cycle's own stop still exits it while the daemon runs.
      this.o.log.error({ symbol, client_order_id: id, err: error }, 'the venue refused the stop order: the position is protected by the daemon only');
      this.note('rejected', { ...base, error, alert: true });
      return;
    }
    const conflict = conflictOf({ symbol, side: 'sell', quantity: plan.quantity, type: 'limit', createdAt: now }, info);
    if (conflict) {
      const error = `client_id_conflict: ${conflict}`;
      store.updateIntent(id, { status: 'rejected', ts: now, exchangeOrderId: info.exchangeOrderId, error });
      this.safe(conflictRecord({ ...ref, conflict, info, now }, configHash));
      this.note('rejected', { ...base, error, alert: true });
      return;
    }
    this.safe(outcomeRecord({ ...ref, status: info.status, orderId: info.exchangeOrderId, filledQty: info.filledQty, avgFillPrice: info.avgFillPrice, feeUsd: info.feeUsd, error: null }, configHash));
    this.o.book({ clientOrderId: id, symbol, side: 'sell', status: info.status, exchangeOrderId: info.exchangeOrderId, filledQty: info.filledQty, avgFillPrice: info.avgFillPrice, feeUsd: info.feeUsd });
    store.updateIntent(id, { status: intentStatus(info.status), ts: now, exchangeOrderId: info.exchangeOrderId, error: null });
    this.note('placed', { ...base, order_id: info.exchangeOrderId, status: info.status });
  }

  /** Cancels one stop (recorded); true when it is closed with nothing new filled, false when it failed or had filled. */
  private async cancel(s: IntentRow, cycle: number, why: Record<string, unknown>): Promise<boolean> {
    let info: OrderInfo;
    try {
      info = await this.o.venue.cancelOrder(s.clientOrderId, s.symbol);
    } catch (e) {
      this.note('cancel_failed', { client_order_id: s.clientOrderId, symbol: s.symbol, quantity: s.quantity, stop_price: s.stopPrice, limit_price: s.price, cycle, ...why, error: message(e) });
      return false;
    }
    const filled = this.track(s, info, cycle, why);
    return !filled && intentStatus(info.status) !== 'open';
  }

  /**
   * Books a stop's fills and moves its intent to the venue's status; records what changed (a fill, a
   * close, or the cancel that `why` names). True when new fills were booked.
   */
  private track(s: IntentRow, info: OrderInfo, cycle: number, why: Record<string, unknown>): boolean {
    const { store } = this.o;
    const before = this.bookedQty(s);
    this.o.book({ clientOrderId: s.clientOrderId, symbol: s.symbol, side: 'sell', status: info.status, exchangeOrderId: info.exchangeOrderId, filledQty: info.filledQty, avgFillPrice: info.avgFillPrice, feeUsd: info.feeUsd });
    const filled = info.filledQty > before + 1e-12 * Math.max(1, info.filledQty);
    const status = intentStatus(info.status);
    if (status !== s.status) store.updateIntent(s.clientOrderId, { status, ts: this.o.now(), exchangeOrderId: info.exchangeOrderId });
    // Triggered and not (yet) filled: the price went through the stop and the limit rests; a gap below it leaves the position open.
    const noted = store.getMeta(triggeredKey(s.clientOrderId)) !== undefined;
    const triggered = info.triggered === true && status === 'open' && !noted;
    const action: StopAction | undefined = info.status === 'filled' ? 'filled' : status === 'cancelled' ? 'cancelled' : filled ? 'partially_filled' : triggered ? 'triggered' : undefined;
    if (action && (filled || triggered || status !== s.status || Object.keys(why).length > 0)) {
      this.note(action, {
        client_order_id: s.clientOrderId,
        order_id: info.exchangeOrderId,
        symbol: s.symbol,
        quantity: s.quantity,
        stop_price: s.stopPrice,
        limit_price: s.price,
        filled_qty: info.filledQty,
        avg_fill_price: info.avgFillPrice,
        fee_usd: info.feeUsd,
        position_after: store.position(s.symbol)?.quantity ?? 0,
        cycle,
        ...why,
      });
    }
    if (triggered) store.setMeta(triggeredKey(s.clientOrderId), String(this.o.now()));
    else if (noted && status !== 'open') store.deleteMeta(triggeredKey(s.clientOrderId));
    return filled;
  }

  private bookedQty(s: IntentRow): number {
    return this.o.store
      .listFills(s.createdAt)
      .filter((f) => f.clientOrderId === s.clientOrderId || f.clientOrderId.startsWith(`${s.clientOrderId}#`))
      .reduce((a, f) => a + f.quantity, 0);
  }

  private note(action: StopAction, fields: Record<string, unknown>): void {
    try {
      this.o.record({ action, ...fields });
    } catch {
      // The loop's audit channel reports its own outage; the journal holds the stop's state.
    }
  }

  private safe(record: Record<string, unknown>): void {
    try {
      this.o.audit(record);
    } catch {
      // As above: the order is already on the venue; the journal holds its state.
    }
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const round = (x: number): number => Math.round(x * 1e10) / 1e10;
