/**
 * Everything the loop does only in LIVE, behind five calls: `start` (resolve unknown orders, book what
 * venue stops filled, then reconcile; a difference stops startup unless accepted), `housekeeping` each
 * cycle before anything is proposed, `gate` on the orders about to go out, `protect` after them (venue
 * stops), and `cancelOnShutdown`. The session itself (resolution, fill booking, reconciliation) is
 * src/runner/reconcileStep.ts; the venue stops are src/runner/venueStops.ts.
 */
import type { LoadedConfig } from '../config/load.ts';
import type { PlannedOrder } from '../core/types.ts';
import type { Product } from '../exchange/types.ts';
import type { AuditSink, LiveExecutorOptions } from '../execution/live.ts';
import type { Logger } from '../log.ts';
import type { StateStore } from '../state/store.ts';
import type { ReconcileHold } from '../core/risk/context.ts';
import { gateLiveOrders } from './liveGates.ts';
import { LiveSession, RECONCILE_HOLD_REASON, ReconcileRefused, refusalMessage, type LiveVenue } from './reconcileStep.ts';
import { VenueStops } from './venueStops.ts';

/** Options of LiveDuties. */
export interface LiveDutiesOptions {
  venue: LiveVenue;
  store: StateStore;
  config: Pick<LoadedConfig, 'policy' | 'universe'>;
  configHash: string;
  /** Strict sink for order records (throws when the record is not durable). */
  audit: AuditSink;
  /** Writes a `reconcile` record (stamped by the loop). */
  record: (fields: Record<string, unknown>) => void;
  /** Writes a lifecycle record (`halt`, `resume`) or a `venue_stop` record, stamped by the loop. */
  event: (name: 'halt' | 'resume' | 'venue_stop', fields: Record<string, unknown>) => void;
  /** app.yaml instance_id: venue stops get client order ids like every order. */
  instanceId: string;
  /** The venue's current product for a symbol (from the cycle's product list): tells dust from a sellable remainder, prices venue stops. */
  rules: (symbol: string) => Product | undefined;
  log: Logger;
  now: () => number;
  /** Start even when reconciliation finds differences, adopting the exchange's view (recorded). */
  acceptReconcile: boolean;
  /** Named in the refusal message. */
  auditFile: string;
}

/** The LIVE-only work around the cycle; one per daemon, built at startup. */
export class LiveDuties {
  private readonly session: LiveSession;
  private readonly stops: VenueStops;

  constructor(private readonly o: LiveDutiesOptions) {
    this.session = new LiveSession({ venue: o.venue, store: o.store, config: o.config, audit: o.audit, record: o.record, log: o.log, now: o.now, rules: o.rules });
    this.stops = new VenueStops({
      venue: o.venue,
      store: o.store,
      policy: o.config.policy,
      instanceId: o.instanceId,
      configHash: o.configHash,
      audit: o.audit,
      record: (f) => o.event('venue_stop', f),
      book: (s) => void this.session.book(s),
      rules: o.rules,
      log: o.log,
      now: o.now,
    });
  }

  /** What the LIVE executor needs: orders go out write-ahead; fills are booked as the venue reports them; an exit first cancels its venue stop. */
  executorOptions(): Omit<LiveExecutorOptions, 'journal'> {
    const { venue, audit, configHash, store } = this.o;
    return { venue, audit, configHash, cycle: () => store.currentCycle(), onOrderState: (s) => void this.session.book(s), beforeExit: (order, product) => this.stops.clearFor(order, product, store.currentCycle()) };
  }

  /** LIVE startup: resolve unknown orders, book what venue stops filled while the daemon was down, then reconcile; a difference stops startup unless accepted. */
  async start(): Promise<void> {
    await this.session.resolve();
    await this.stops.sync(this.o.store.currentCycle());
    let outcome: Awaited<ReturnType<LiveSession['reconcile']>>;
    try {
      outcome = await this.session.reconcile({ trigger: 'startup', accept: this.o.acceptReconcile });
    } catch (e) {
      throw new ReconcileRefused(`LIVE startup refused: cannot reconcile with the exchange: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (outcome.refused) throw new ReconcileRefused(refusalMessage(outcome.differences, this.o.auditFile));
  }

  /**
   * Each cycle before anything is proposed: resolve unknown orders; reconcile when due. Returns
   * `unresolved_orders` while an order's fate is still unknown (the cycle's stop reason).
   */
  async housekeeping(cycle: number): Promise<string | undefined> {
    await this.session.resolve();
    await this.stops.sync(cycle);
    const due = this.session.due(cycle);
    if (due) {
      try {
        const outcome = await this.session.reconcile({ trigger: due, cycle });
        if (outcome.held) {
          this.o.log.error({ cycle, differences: outcome.held }, 'reconciliation found money-changing differences: trading REDUCING (exits only) until `resume --by NAME`');
          this.o.event('halt', { reason: 'reconcile_difference', trading_state: 'REDUCING', cycle, differences: outcome.held });
        }
      } catch (e) {
        // Recorded by reconcile; the cycle goes on (its market reads say whether the venue is up).
        this.o.log.warn({ cycle, err: e instanceof Error ? e.message : String(e) }, 'reconciliation failed; tried again when next due');
      }
    }
    return this.session.intents().unresolved.length > 0 ? 'unresolved_orders' : undefined;
  }

  /** The latched reconcile hold (REDUCING until resumed), if any: the risk stage denies entries while it lasts. */
  hold(): ReconcileHold | undefined {
    return this.session.hold();
  }

  /**
   * No entries while an order is unknown; no second order where one is already open. Held orders
   * go into `rejections`; `stopped` is the first hold's code when nothing is left to send.
   */
  gate(orders: readonly PlannedOrder[], rejections: Record<string, string[]>): { send: PlannedOrder[]; stopped?: string } {
    const gate = gateLiveOrders(orders, this.session.intents());
    for (const h of gate.held) (rejections[h.order.symbol] ??= []).push(h.reason);
    if (gate.send.length === 0 && gate.held.length > 0) return { send: gate.send, stopped: gate.held[0]!.reason.split(':')[0] };
    return { send: gate.send };
  }

  /** After the cycle's orders (`final`: at shutdown): every held position gets its venue stop (execution.venue_stop_loss). Never throws: the next cycle tries again. */
  async protect(cycle: number, final = false): Promise<void> {
    try {
      await this.stops.protect(cycle, { final });
    } catch (e) {
      this.o.log.warn({ cycle, err: e instanceof Error ? e.message : String(e) }, 'venue stops not brought up to date; tried again next cycle');
    }
  }

  /**
   * With execution.cancel_open_orders_on_shutdown: cancels our open orders (venue stops stay), then gives
   * a position that lost its resting exit its stop; the fields go on the shutdown record.
   */
  async cancelOnShutdown(reason: string): Promise<Record<string, unknown>> {
    if (reason === 'startup_failed') return {};
    let fields: Record<string, unknown> = {};
    if (this.o.config.policy.execution.cancel_open_orders_on_shutdown) {
      try {
        const r = await this.session.cancelOpen();
        if (r.cancelled.length || r.failed.length) this.o.log.info({ cancelled: r.cancelled, failed: r.failed }, 'open orders cancelled on shutdown');
        fields = { open_orders_cancelled: r.cancelled, cancel_failed: r.failed };
      } catch (e) {
        fields = { open_orders_cancelled: [], cancel_failed: [e instanceof Error ? e.message : String(e)] };
      }
    }
    if (!this.o.config.policy.execution.venue_stop_loss) return fields;
    // HALTED (kill switch, pause, fatal error) sends nothing new; a reconcile hold only reduces, and a stop reduces.
    const halt = this.o.store.halt();
    if (!halt || halt.reason === RECONCILE_HOLD_REASON) await this.protect(this.o.store.currentCycle(), true);
    return { ...fields, venue_stops_kept: this.stops.kept() };
  }
}
