/**
 * Everything the loop does only in LIVE, behind four calls: `start` (resolve unknown orders, then
 * reconcile; a difference stops startup unless accepted), `housekeeping` each cycle before anything
 * is proposed, `gate` on the orders about to go out, and `cancelOnShutdown`. The session itself
 * (resolution, fill booking, reconciliation) is src/runner/reconcileStep.ts.
 */
import type { LoadedConfig } from '../config/load.ts';
import type { PlannedOrder } from '../core/types.ts';
import type { AuditSink, LiveExecutorOptions } from '../execution/live.ts';
import type { Logger } from '../log.ts';
import type { StateStore } from '../state/store.ts';
import type { ReconcileHold } from '../core/risk/context.ts';
import { gateLiveOrders } from './liveGates.ts';
import { LiveSession, ReconcileRefused, refusalMessage, type LiveSessionOptions, type LiveVenue } from './reconcileStep.ts';

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
  /** Writes a lifecycle record (`halt`, `resume`), stamped by the loop. */
  event: (name: 'halt' | 'resume', fields: Record<string, unknown>) => void;
  /** The venue's current rules for a symbol (from the cycle's product list): tells dust from a sellable remainder. */
  rules: LiveSessionOptions['rules'];
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

  constructor(private readonly o: LiveDutiesOptions) {
    this.session = new LiveSession({ venue: o.venue, store: o.store, config: o.config, audit: o.audit, record: o.record, log: o.log, now: o.now, ...(o.rules && { rules: o.rules }) });
  }

  /** What the LIVE executor needs: orders go out write-ahead; fills are booked as the venue reports them. */
  executorOptions(): Omit<LiveExecutorOptions, 'journal'> {
    const { venue, audit, configHash, store } = this.o;
    return { venue, audit, configHash, cycle: () => store.currentCycle(), onOrderState: (s) => void this.session.book(s) };
  }

  /** LIVE startup: resolve unknown orders, then reconcile; a difference stops startup unless accepted. */
  async start(): Promise<void> {
    await this.session.resolve();
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

  /** With execution.cancel_open_orders_on_shutdown: cancels our open orders; the fields go on the shutdown record. */
  async cancelOnShutdown(reason: string): Promise<Record<string, unknown>> {
    if (reason === 'startup_failed' || !this.o.config.policy.execution.cancel_open_orders_on_shutdown) return {};
    try {
      const r = await this.session.cancelOpen();
      if (r.cancelled.length || r.failed.length) this.o.log.info({ cancelled: r.cancelled, failed: r.failed }, 'open orders cancelled on shutdown');
      return { open_orders_cancelled: r.cancelled, cancel_failed: r.failed };
    } catch (e) {
      return { open_orders_cancelled: [], cancel_failed: [e instanceof Error ? e.message : String(e)] };
    }
  }
}
