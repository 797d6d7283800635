/**
 * LIVE housekeeping around the cycle, kept out of mainLoop so the cycle still reads top to bottom:
 * resolve UNKNOWN orders by client order id, book the venue's fills into the state store, reconcile
 * local positions and open orders with the venue (startup, every RECONCILE_EVERY_CYCLES cycles, and
 * whenever one of our open orders has passed execution.order_ttl_seconds), and cancel our open orders
 * at shutdown. Every reconcile writes one `reconcile` audit record listing differences and actions.
 */
import type { LoadedConfig } from '../config/load.ts';
import type { ReconcileHold } from '../core/risk/context.ts';
import type { TierName } from '../core/types.ts';
import { ExchangeError } from '../exchange/ccxt/exchangeError.ts';
import type { VenueFill } from '../exchange/ccxt/adapter.ts';
import type { PagingBound } from '../exchange/ccxt/paging.ts';
import type { OrderInfo, OrderVenue, Product } from '../exchange/types.ts';
import { intentStatus, reconcile, resolveUnknown, UNRESOLVED_STATUSES, type AuditSink, type OrderState, type ReconcileDifference, type ResolveReport } from '../execution/live.ts';
import type { Logger } from '../log.ts';
import type { StateStore } from '../state/store.ts';
import type { IntentRow } from '../state/types.ts';

/**
 * Full reconciliation every this many cycles (10 minutes at the shipped 60 s interval). A constant,
 * not config: it bounds how long a difference can go unnoticed, and stale orders force an earlier one.
 */
export const RECONCILE_EVERY_CYCLES = 10;

/**
 * An intent not found on the venue this long after it was created was never accepted, and is
 * recorded rejected (never resent). Coinbase lists an accepted order within seconds; five minutes
 * leaves room for a slow venue without blocking entries for long.
 */
export const UNKNOWN_GRACE_MS = 5 * 60_000;

/** How far back reconcile reads the venue's fills to check them against the booked ones. */
const FILLS_LOOKBACK_MS = 24 * 3_600_000;

/** Store meta key: venue holdings that are not the daemon's (adopted with --accept-reconcile-differences). */
const BASELINE_KEY = 'live_reconcile_baseline';

/** The venue as LIVE needs it; fills are optional (checked when the venue can list them). */
export type LiveVenue = OrderVenue & { fetchFills?(sinceMs: number): Promise<VenueFill[]>; takePagingBounds?(): PagingBound[] };

/** True when `m` can take orders (the ccxt adapter can; the sim and test markets cannot). */
export function isLiveVenue(m: unknown): m is LiveVenue {
  const v = m as Partial<OrderVenue> | null;
  return !!v && typeof v.createOrder === 'function' && typeof v.fetchOrder === 'function' && typeof v.cancelOrder === 'function' && typeof v.fetchOpenOrders === 'function' && typeof v.fetchBalances === 'function';
}

/** One difference between our books and the venue (reconcile()'s, plus what the fill check and the booking find). */
export interface StepDifference {
  code: ReconcileDifference['code'] | 'fill_mismatch' | 'book_failed' | 'lookup_failed';
  detail: Record<string, string | number>;
}

/** `CODE: key=value, …`, like every denial and difference at the edge. */
export function renderStepDifference(d: StepDifference): string {
  const parts = Object.entries(d.detail).map(([k, v]) => `${k}=${v}`);
  return parts.length ? `${d.code}: ${parts.join(', ')}` : d.code;
}

/** Why a reconcile ran. */
export type ReconcileTrigger = 'startup' | 'periodic' | 'stale_orders';

/** What one reconcile found and did; `record` is the body of its `reconcile` audit record. */
export interface ReconcileOutcome {
  differences: string[];
  /** Startup in LIVE with differences and no --accept-reconcile-differences: the daemon must not start. */
  refused: boolean;
  record: Record<string, unknown>;
  /** Set when this reconcile (while running) latched REDUCING: the money-changing differences it found. */
  held?: string[];
}

/** Differences that change money: a fill we did not book, a position that differs, an order that is not ours. */
export const MONEY_DIFFERENCES: ReadonlySet<StepDifference['code']> = new Set(['fill_mismatch', 'position_mismatch', 'unknown_open_order']);

/**
 * The halt reason of a reconcile hold. It is latched like any halt (kept across restarts, lifted by
 * the operator's `resume`, recorded), but it REDUCES rather than halts: exits still go out.
 */
export const RECONCILE_HOLD_REASON = 'reconcile_difference';

/** A LIVE startup that found differences with the venue (fail closed). Exit 1: the venue, not the config, disagrees. */
export class ReconcileRefused extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReconcileRefused';
  }
}

/** What a LiveSession needs. */
export interface LiveSessionOptions {
  venue: LiveVenue;
  store: StateStore;
  config: Pick<LoadedConfig, 'policy' | 'universe'>;
  /** Strict sink for order_outcome records (throws when the record is not durable). */
  audit: AuditSink;
  /** Writes a `reconcile` record (stamped by the loop). */
  record: (fields: Record<string, unknown>) => void;
  log: Logger;
  now: () => number;
  /** The venue's current rules for a symbol (from the last product list), to tell dust from a position. */
  rules?: (symbol: string) => Pick<Product, 'baseIncrement' | 'minBaseQty'> | undefined;
}

/**
 * What is left of a position after a sell is dust when the venue could not sell it: less than one base
 * increment, or less than the product's minimum order size.
 */
export function isDust(quantity: number, rules: Pick<Product, 'baseIncrement' | 'minBaseQty'>): boolean {
  return quantity > 0 && (quantity < rules.baseIncrement * (1 - 1e-9) || quantity < rules.minBaseQty * (1 - 1e-9));
}

/** The LIVE side of the loop: one per daemon, built at startup with the venue and the store. */
export class LiveSession {
  private readonly tiers = new Map<string, TierName>();
  private readonly clusters = new Map<string, string>();

  constructor(private readonly o: LiveSessionOptions) {
    for (const [tier, t] of Object.entries(o.config.universe.tiers) as [TierName, { symbols: string[] }][]) for (const s of t.symbols) this.tiers.set(s, tier);
    for (const [name, symbols] of Object.entries(o.config.universe.clusters)) for (const s of symbols) this.clusters.set(s, name);
  }

  /**
   * Our intents the venue holds open, and those whose fate is unknown; fresh from the store. Open venue
   * stops are left out of `open`: an exit cancels its position's stop first (src/runner/venueStops.ts).
   */
  intents(): { open: IntentRow[]; unresolved: IntentRow[] } {
    return { open: this.o.store.listIntents(['open']).filter((i) => i.stopPrice === null), unresolved: this.o.store.listIntents(UNRESOLVED_STATUSES) };
  }

  /** Looks up every unresolved intent by client order id; found ones get their outcome and their fills booked. */
  async resolve(): Promise<ResolveReport> {
    const report = await resolveUnknown(this.o.venue, this.o.store, this.o.audit, { now: this.o.now(), graceMs: UNKNOWN_GRACE_MS, onOrderState: (s) => this.book(s) });
    if (report.resolved.length || report.rejected.length) {
      this.o.log.info({ resolved: report.resolved.map((r) => `${r.clientOrderId}:${r.status}`), rejected: report.rejected }, 'unknown orders resolved by client order id');
    }
    if (report.stillUnknown.length) this.o.log.warn({ still_unknown: report.stillUnknown }, 'orders still unknown: no new entries until they resolve');
    return report;
  }

  /** Whether this cycle should reconcile: every N cycles, or when one of our open orders has outlived its TTL. */
  due(cycle: number): ReconcileTrigger | undefined {
    if (cycle % RECONCILE_EVERY_CYCLES === 0) return 'periodic';
    const ttlMs = this.o.config.policy.execution.order_ttl_seconds * 1000;
    const now = this.o.now();
    // Venue stops rest until the position closes: they are never stale.
    return this.o.store.listIntents(['open']).some((i) => i.stopPrice === null && now - i.createdAt > ttlMs) ? 'stale_orders' : undefined;
  }

  /**
   * Books what the venue says an order has filled beyond what is already booked for it (the first
   * fill under the client order id, later increments as `<id>#2`, `#3`…), so repeated reports of the
   * same state book nothing. Returns a difference when the store refuses the fill.
   */
  book(s: OrderState): StepDifference | undefined {
    const store = this.o.store;
    const intent = store.getIntent(s.clientOrderId);
    const prior = store.listFills(intent?.createdAt ?? 0).filter((f) => f.clientOrderId === s.clientOrderId || f.clientOrderId.startsWith(`${s.clientOrderId}#`));
    const qty = prior.reduce((a, f) => a + f.quantity, 0);
    const dq = s.filledQty - qty;
    const sellDone = s.side === 'sell' && s.status !== 'open' && s.status !== 'partially_filled';
    if (!(s.filledQty > 0) || dq <= 1e-12 * Math.max(1, s.filledQty)) {
      // A sell that ended without a new fill (cancelled, or reported again) may still leave dust behind.
      if (sellDone) this.sweepDust(s.symbol, s.clientOrderId, 0);
      return undefined;
    }
    const value = s.filledQty * s.avgFillPrice - prior.reduce((a, f) => a + f.quantity * f.price, 0);
    const price = value > 0 ? value / dq : s.avgFillPrice;
    const fee = Math.max(0, s.feeUsd - prior.reduce((a, f) => a + f.feeUsd, 0));
    const id = prior.length === 0 ? s.clientOrderId : `${s.clientOrderId}#${prior.length + 1}`;
    const { policy } = this.o.config;
    const cluster = this.clusters.get(s.symbol);
    const heldBefore = store.position(s.symbol)?.quantity ?? 0;
    try {
      store.applyFill({
        clientOrderId: id,
        symbol: s.symbol,
        side: s.side,
        quantity: dq,
        price,
        feeUsd: fee,
        ts: this.o.now(),
        // Spot, long only: a buy opens or adds, a sell reduces.
        intent: s.side === 'buy' ? 'entry' : 'exit',
        tier: this.tiers.get(s.symbol) ?? 'tier_3',
        ...(cluster !== undefined && { cluster }),
        stopLossPct: policy.exits.stop_loss_pct,
        takeProfitPct: policy.exits.take_profit_pct,
        maxHoldHours: policy.exits.max_hold_hours,
        perSymbolCooldownMin: policy.risk.per_symbol_cooldown_minutes,
        afterLossCooldownMin: policy.risk.after_loss_cooldown_minutes,
      });
      // Only once the sell is done: the rest of a partially filled exit may still fill and must find its position.
      if (sellDone) this.sweepDust(s.symbol, s.clientOrderId, heldBefore - dq);
      return undefined;
    } catch (e) {
      this.o.log.error({ client_order_id: s.clientOrderId, err: (e as Error).message }, 'venue fill could not be booked');
      return { code: 'book_failed', detail: { client_order_id: s.clientOrderId, symbol: s.symbol, side: s.side, quantity: dq } };
    }
  }

  /**
   * Reconciles with the venue and writes the `reconcile` record: refreshes our open orders (fills
   * booked, stale ones cancelled), then compares positions and open orders with the venue's balances
   * and open orders (less the adopted baseline), and booked fills with the venue's recent fills.
   * At startup with `accept`, the differences found are adopted as the new baseline and recorded.
   * Throws (after recording) only when the venue cannot be read at all.
   */
  async reconcile(o: { trigger: ReconcileTrigger; cycle?: number; accept?: boolean }): Promise<ReconcileOutcome> {
    const { venue, store } = this.o;
    const now = this.o.now();
    const ttlMs = this.o.config.policy.execution.order_ttl_seconds * 1000;
    const differences: StepDifference[] = [];
    /** Differences an unresolved order of ours accounts for: recorded, not counted (the next resolve settles them). */
    const explained: StepDifference[] = [];
    const cancelled: string[] = [];
    const updated: string[] = [];
    const head = { trigger: o.trigger, ...(o.cycle !== undefined && { cycle: o.cycle }) };
    let venueCash: number | undefined;
    try {
      // (1) our open orders, one by one: their fills booked, their status moved, the stale ones cancelled.
      for (const i of store.listIntents(['open'])) {
        let info: OrderInfo | undefined;
        try {
          info = await venue.fetchOrder(i.clientOrderId, i.symbol);
          if (info && (info.status === 'open' || info.status === 'partially_filled') && i.stopPrice === null && now - i.createdAt > ttlMs) {
            info = await venue.cancelOrder(i.clientOrderId, i.symbol);
            cancelled.push(i.clientOrderId);
          }
        } catch (e) {
          if (e instanceof ExchangeError && e.kind === 'circuit_open') throw e;
          differences.push({ code: 'lookup_failed', detail: { client_order_id: i.clientOrderId, symbol: i.symbol, kind: e instanceof ExchangeError ? e.kind : 'error' } });
          continue;
        }
        if (!info) continue; // reported as missing_open_order below
        const d = this.track(i, info, now);
        if (d) differences.push(d);
        if (intentStatus(info.status) !== 'open') updated.push(`${i.clientOrderId}:${info.status}`);
      }

      // (2) positions and open orders against the venue, less what the operator adopted as not ours.
      const baseline = this.baseline();
      const pending = store.listIntents(UNRESOLVED_STATUSES);
      const unresolved = new Set(pending.map((i) => i.clientOrderId));
      const pendingAssets = new Set(pending.map((i) => i.symbol.split('-')[0]));
      const local = { positions: Object.fromEntries(store.positions().map((p) => [p.symbol, p.quantity])), openOrders: store.listIntents(['open']).map((i) => i.clientOrderId) };
      const dust = store.dust();
      const cashAssets = new Set(this.o.config.policy.sizing.live_cash_currencies ?? ['USD']);
      const adjusted: Pick<OrderVenue, 'fetchBalances' | 'fetchOpenOrders' | 'cancelOrder'> = {
        fetchBalances: async () => {
          const balances = await venue.fetchBalances();
          // The account's money: available USD (and USDC when configured) is the book's cash from now on.
          venueCash = balances.filter((b) => cashAssets.has(b.asset)).reduce((a, b) => a + b.free, 0);
          return balances.filter((b) => b.asset === 'USD' || !cashAssets.has(b.asset)).map((b) => ({ ...b, total: b.total - (baseline.assets[b.asset] ?? 0) - (dust[b.asset] ?? 0) }));
        },
        fetchOpenOrders: () => venue.fetchOpenOrders(),
        cancelOrder: (id, s) => venue.cancelOrder(id, s),
      };
      // TTL cancels were done above, with their fills booked; reconcile() only compares here.
      const found = await reconcile(adjusted, local, { ttlSeconds: Infinity, now });
      for (const d of found.differences) {
        const id = String(d.detail.client_order_id ?? '');
        // An unresolved order on the venue is explained: the next resolve records it. An adopted one is the operator's.
        if (d.code === 'unknown_open_order' && (unresolved.has(id) || baseline.openOrders.includes(id))) continue;
        // A position that differs where an order of ours is unresolved: that order may have filled.
        if (d.code === 'position_mismatch' && pendingAssets.has(String(d.detail.symbol).split('-')[0])) explained.push(d);
        else differences.push(d);
      }

      // (3) booked fills against the venue's recent fills, for our orders.
      differences.push(...(await this.checkFills(now)));
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.o.record({ ...head, outcome: 'failed', error, differences: differences.map(renderStepDifference), actions: { cancelled_stale: cancelled, updated } });
      throw e;
    }

    if (venueCash !== undefined) {
      const { first } = store.setCashFromVenue(venueCash);
      if (first) this.o.log.info({ cash_usd: round(venueCash) }, 'LIVE cash taken from the exchange account (starting_cash_usd is not used in LIVE)');
    }
    const rendered = differences.map(renderStepDifference);
    const startup = o.trigger === 'startup';
    const accepted = startup && rendered.length > 0 && o.accept === true;
    if (accepted) this.adopt(differences, now);
    const refused = startup && rendered.length > 0 && !accepted;
    const record = {
      ...head,
      outcome: rendered.length === 0 ? 'ok' : refused ? 'refused' : accepted ? 'accepted' : 'differences',
      differences: rendered,
      explained_by_unresolved_orders: explained.map(renderStepDifference),
      actions: { cancelled_stale: cancelled, updated, ...(accepted && { adopted_as_baseline: rendered }) },
      ...(startup && { accept_reconcile_differences: o.accept === true }),
      open_orders: store.listIntents(['open']).map((i) => i.clientOrderId),
      unresolved_orders: store.listIntents(UNRESOLVED_STATUSES).map((i) => i.clientOrderId),
      positions: Object.fromEntries(store.positions().map((p) => [p.symbol, p.quantity])),
      ...(venueCash !== undefined && { cash_usd_venue: round(venueCash) }),
      ...(Object.keys(store.dust()).length > 0 && { dust: store.dust() }),
      baseline: this.baseline().assets,
      ...pagingBoundsField(venue.takePagingBounds?.() ?? []),
    };
    this.o.record(record);
    if (rendered.length > 0) this.o.log.warn({ trigger: o.trigger, differences: rendered, accepted }, 'reconciliation found differences with the exchange');
    // While running, a difference that changes money latches REDUCING (no entries, exits allowed) until `resume`.
    const money = startup ? [] : differences.filter((d) => MONEY_DIFFERENCES.has(d.code)).map(renderStepDifference);
    if (money.length > 0 && !this.o.store.halt()) {
      this.o.store.setHalt({ reason: RECONCILE_HOLD_REASON, by: 'reconcile', ts: now });
      return { differences: rendered, refused, record, held: money };
    }
    return { differences: rendered, refused, record };
  }

  /** After a sell: a remainder the venue cannot sell leaves the positions for the dust ledger (never blocks an entry). */
  private sweepDust(symbol: string, clientOrderId: string, left: number): void {
    const store = this.o.store;
    const pos = store.position(symbol);
    if (!pos) {
      // The book closed the position and took a tiny remainder for rounding: the venue still holds it.
      if (left > 0) store.addDust(symbol.split('-')[0] as string, left);
      return;
    }
    const rules = this.o.rules?.(symbol);
    if (!rules || !isDust(pos.quantity, rules)) return;
    const qty = store.moveToDust(symbol);
    this.o.log.info({ symbol, quantity: qty, client_order_id: clientOrderId }, 'remainder below the venue minimum moved to dust');
  }

  /** The latched REDUCING hold from a money-changing reconcile difference, if any. */
  hold(): ReconcileHold | undefined {
    const halt = this.o.store.halt();
    return halt?.reason === RECONCILE_HOLD_REASON ? { since: new Date(halt.ts).toISOString() } : undefined;
  }

  /**
   * Cancels every open order of ours (shutdown) but the venue stops, which stay to protect the positions
   * while the daemon is down; their final fills are booked. Unknown orders are left to the next startup's lookup.
   */
  async cancelOpen(): Promise<{ cancelled: string[]; failed: string[] }> {
    const cancelled: string[] = [];
    const failed: string[] = [];
    for (const i of this.o.store.listIntents(['open']).filter((x) => x.stopPrice === null)) {
      try {
        const info = await this.o.venue.cancelOrder(i.clientOrderId, i.symbol);
        this.track(i, info, this.o.now());
        cancelled.push(i.clientOrderId);
      } catch (e) {
        failed.push(`${i.clientOrderId}: ${e instanceof ExchangeError ? e.kind : 'error'}`);
      }
    }
    return { cancelled, failed };
  }

  /** Books an order's fills and moves its intent to the venue's status. */
  private track(i: IntentRow, info: OrderInfo, now: number): StepDifference | undefined {
    const d = this.book({ clientOrderId: i.clientOrderId, symbol: i.symbol, side: i.side, status: info.status, exchangeOrderId: info.exchangeOrderId, filledQty: info.filledQty, avgFillPrice: info.avgFillPrice, feeUsd: info.feeUsd });
    const status = intentStatus(info.status);
    if (status !== i.status) this.o.store.updateIntent(i.clientOrderId, { status, ts: now, exchangeOrderId: info.exchangeOrderId });
    return d;
  }

  /** Venue fills of our orders in the lookback window against what is booked for them. */
  private async checkFills(now: number): Promise<StepDifference[]> {
    const { venue, store } = this.o;
    if (!venue.fetchFills) return [];
    const since = now - FILLS_LOOKBACK_MS;
    const fills = await venue.fetchFills(since);
    const byOrder = new Map<string, number>();
    for (const f of fills) byOrder.set(f.exchangeOrderId, (byOrder.get(f.exchangeOrderId) ?? 0) + f.quantity);
    const ours = store.listIntents(['open', 'filled', 'cancelled']).filter((i) => i.exchangeOrderId && i.createdAt >= since);
    const booked = new Map<string, number>();
    for (const f of store.listFills(since)) {
      const id = f.clientOrderId.split('#')[0] as string;
      booked.set(id, (booked.get(id) ?? 0) + f.quantity);
    }
    const out: StepDifference[] = [];
    for (const i of ours) {
      const venueQty = byOrder.get(i.exchangeOrderId as string) ?? 0;
      const bookedQty = booked.get(i.clientOrderId) ?? 0;
      if (Math.abs(venueQty - bookedQty) > 1e-9 * Math.max(1, venueQty)) {
        out.push({ code: 'fill_mismatch', detail: { client_order_id: i.clientOrderId, symbol: i.symbol, venue_qty: round(venueQty), booked_qty: round(bookedQty) } });
      }
    }
    return out;
  }

  private baseline(): { assets: Record<string, number>; openOrders: string[] } {
    const raw = this.o.store.getMeta(BASELINE_KEY);
    return raw ? (JSON.parse(raw) as { assets: Record<string, number>; openOrders: string[] }) : { assets: {}, openOrders: [] };
  }

  /**
   * The operator accepted the startup differences: venue holdings we do not book become the baseline
   * (never traded, never reported again), unknown open orders are left alone from now on, and our
   * open orders the venue does not have are closed as cancelled.
   */
  private adopt(differences: readonly StepDifference[], now: number): void {
    const b = this.baseline();
    for (const d of differences) {
      if (d.code === 'position_mismatch') {
        const asset = String(d.detail.symbol).split('-')[0] as string;
        b.assets[asset] = round((b.assets[asset] ?? 0) + Number(d.detail.exchange) - Number(d.detail.local));
      } else if (d.code === 'unknown_open_order') {
        b.openOrders.push(String(d.detail.client_order_id));
      } else if (d.code === 'missing_open_order') {
        this.o.store.updateIntent(String(d.detail.client_order_id), { status: 'cancelled', ts: now, error: 'missing_on_venue_accepted' });
      }
    }
    this.o.store.setMeta(BASELINE_KEY, JSON.stringify(b));
  }
}

/** The one-line refusal for a LIVE startup that found differences. */
export function refusalMessage(differences: readonly string[], auditFile: string): string {
  const more = differences.length > 1 ? ` (and ${differences.length - 1} more)` : '';
  return `LIVE startup refused: reconciliation with the exchange found ${differences.length} difference${differences.length > 1 ? 's' : ''}: ${differences[0]}${more}; see the reconcile record in ${auditFile}. Fix them, or restart with --accept-reconcile-differences to adopt the exchange's view`;
}

const round = (x: number): number => Math.round(x * 1e10) / 1e10;

/** `paging_bounds` for a reconcile record when a venue listing stopped at its page bound (what was read may be incomplete). */
function pagingBoundsField(b: readonly PagingBound[]): { paging_bounds?: string[] } {
  return b.length ? { paging_bounds: b.map((x) => `paging_bound: operation=${x.operation}, pages=${x.pages}, items=${x.items}`) } : {};
}
