/**
 * PAPER and BACKTEST: orders rest in a book of this process and fill by the shared fill model
 * (src/core/fills.ts) against the market that comes after them; fills are booked in the store.
 *
 * Each cycle, `settle` first walks the steps since the previous cycle (the closed bars of a replay,
 * or the book of this poll), oldest first, across symbols: resting orders fill, partly fill or
 * are rejected; then each held position's stop and target are checked against the step's range
 * (protective exits are not pre-trade checked: they are the venue's orders, recorded like any).
 * Orders past `order_ttl_seconds` are then cancelled (recorded). `execute` only places orders: an
 * order decided on this cycle's prices is first seen by the next step (latency).
 *
 * The resting book lives in memory: a PAPER restart drops it (as LIVE cancels its open orders on shutdown).
 */
import type { Policy } from '../config/schema/policy.ts';
import { productsBySymbol } from '../core/productIndex.ts';
import { fillInStep, protectiveExit, type FillKind, type FillRules, type MarketStep, type ModelFill } from '../core/fills.ts';
import type { OrderOutcome, PlannedOrder, Position } from '../core/types.ts';
import type { MarketData, Product } from '../exchange/types.ts';
import type { StateStore } from '../state/store.ts';
import { stepsSince } from './marketSteps.ts';
import { outcomeOf } from './outcome.ts';
import { renderDenial, type ExecutionDenial, type Executor, type SettleContext } from './types.ts';

/** What the PAPER executor needs: the book to fill into, the policy's fill rules, and the market whose later prices fill it. */
export interface PaperExecutorOptions {
  store: StateStore;
  policy: Pick<Policy, 'execution' | 'exits' | 'risk' | 'fills'>;
  /** Where the steps after an order come from (bars of a replay, else the book at each poll). */
  market: MarketData;
  /** BACKTEST reuses the same fills; default PAPER. */
  mode?: 'PAPER' | 'BACKTEST';
}

/** Same slack as the store's: a sell this close to the whole position is the whole position. */
const QTY_REL_EPS = 1e-9;
const CASH_EPS_USD = 1e-9;

/** An order in the resting book. */
interface Resting {
  order: PlannedOrder;
  kind: FillKind;
  placedAt: number;
  expiresAt: number;
  filled: number;
  /** Fills booked so far (the k-th is booked as `<id>#<k>` from the second on, as LIVE books increments). */
  fills: number;
  seen: boolean;
  /** Filled, rejected or expired: leaves the book at the end of the settle. */
  closed: boolean;
  /** A position's stop or target (never expires, not pre-trade checked). */
  protective: boolean;
}

/** The fill model's parameters from the policy. */
function fillRulesOf(policy: Pick<Policy, 'execution' | 'fills'>): FillRules {
  return {
    takerFeeBps: policy.execution.taker_fee_bps,
    makerFeeBps: policy.execution.maker_fee_bps,
    slippageBps: policy.execution.paper_slippage_bps,
    maxVolumeSharePct: policy.fills.max_volume_share_pct,
  };
}

/** The PAPER executor: `execute` places orders, `settle` fills them (and the stops) against later prices. */
export function createPaperExecutor(opts: PaperExecutorOptions): Executor {
  const { store, policy, market } = opts;
  const rules = fillRulesOf(policy);
  const ttlMs = policy.execution.order_ttl_seconds * 1000;
  let book: Resting[] = [];
  /** The time of the previous settle: steps from here on are new. Undefined before the first cycle. */
  let seenUntil: number | undefined;

  /** A denial for an order the book cannot take now (cash and holdings net of what resting orders already claim), or nothing. */
  function bookDenial(o: PlannedOrder): ExecutionDenial | undefined {
    if (book.some((r) => r.order.clientOrderId === o.clientOrderId) || store.hasFill(o.clientOrderId)) {
      return { code: 'duplicate_order', detail: { client_order_id: o.clientOrderId } };
    }
    const open = book.filter((r) => !r.closed && !r.protective && r.order.side === o.side);
    if (o.side === 'buy') {
      const claimed = open.reduce((s, r) => s + ((r.order.quantity - r.filled) / r.order.quantity) * r.order.notionalUsd * (1 + rules.takerFeeBps / 10_000), 0);
      const cash = store.cash() - claimed;
      const need = o.notionalUsd * (1 + rules.takerFeeBps / 10_000);
      return need > cash + CASH_EPS_USD ? { code: 'insufficient_cash', detail: { need_usd: usd(need), cash_usd: usd(cash) } } : undefined;
    }
    const held = (store.position(o.symbol)?.quantity ?? 0) - open.filter((r) => r.order.symbol === o.symbol).reduce((s, r) => s + r.order.quantity - r.filled, 0);
    return o.quantity > held * (1 + QTY_REL_EPS) ? { code: 'insufficient_position', detail: { symbol: o.symbol, quantity: o.quantity, held } } : undefined;
  }

  function place(o: PlannedOrder, product: Product | undefined, now: number): OrderOutcome {
    const denial = placementDenial(o, product) ?? bookDenial(o);
    if (denial) return rejected(o, denial);
    const kind: FillKind = o.type === 'market' ? 'market' : o.postOnly ? 'post_only' : 'limit';
    book.push({ order: o, kind, placedAt: now, expiresAt: now + ttlMs, filled: 0, fills: 0, seen: false, closed: false, protective: false });
    return outcomeOf(o, { status: 'open', price: o.limitPrice ?? null, order_id: `paper_${o.clientOrderId}`, success: true, fee_usd: 0, error: null });
  }

  /** Books one model fill of `r` at `ts` (a sell at most what is held): the fill as booked, or a denial when the book cannot take it. */
  function book1(r: Resting, f: ModelFill, ts: number): ModelFill | ExecutionDenial {
    const o = r.order;
    let quantity = f.quantity;
    if (o.side === 'buy') {
      const need = quantity * f.price + f.feeUsd;
      const cash = store.cash();
      if (need > cash + CASH_EPS_USD) return { code: 'insufficient_cash', detail: { need_usd: usd(need), cash_usd: usd(cash) } };
    } else {
      const held = store.position(o.symbol)?.quantity ?? 0;
      if (!(held > 0)) return { code: 'insufficient_position', detail: { symbol: o.symbol, quantity, held } };
      if (quantity > held * (1 + QTY_REL_EPS)) quantity = held; // another exit sold part of it first
    }
    const feeUsd = (f.feeUsd * quantity) / f.quantity;
    const clientOrderId = r.fills === 0 ? o.clientOrderId : `${o.clientOrderId}#${r.fills + 1}`;
    const booked = store.applyFill({
      clientOrderId,
      symbol: o.symbol,
      side: o.side,
      quantity,
      price: f.price,
      feeUsd,
      ts,
      intent: o.intent,
      tier: o.tier,
      ...(o.cluster !== undefined && { cluster: o.cluster }),
      stopLossPct: o.stopLossPct ?? policy.exits.stop_loss_pct,
      takeProfitPct: o.takeProfitPct ?? policy.exits.take_profit_pct,
      maxHoldHours: o.maxHoldHours ?? policy.exits.max_hold_hours,
      perSymbolCooldownMin: policy.risk.per_symbol_cooldown_minutes,
      afterLossCooldownMin: policy.risk.after_loss_cooldown_minutes,
    });
    if (!booked) return { code: 'duplicate_order', detail: { client_order_id: clientOrderId } };
    r.fills++;
    r.filled += quantity;
    return { ...f, quantity, feeUsd };
  }

  /** Takes `r` out of the book with a recorded rejection. */
  function refuse(r: Resting, d: ExecutionDenial, outcomes: OrderOutcome[]): void {
    r.closed = true;
    outcomes.push(rejected(r.order, d));
  }

  async function settle(ctx: SettleContext): Promise<OrderOutcome[]> {
    const from = seenUntil;
    // Never back: a clock that steps back must not walk bars already walked.
    seenUntil = Math.max(from ?? ctx.now, ctx.now);
    if (from === undefined || from >= ctx.now) return [];
    const products = productsBySymbol(ctx.products);
    const symbols = new Set([...book.map((r) => r.order.symbol), ...store.positions().map((p) => p.symbol)]);
    const timeline: { symbol: string; step: MarketStep; product: Product }[] = [];
    for (const symbol of [...symbols].sort()) {
      const product = products.get(symbol);
      // No usable market for it this cycle: its orders wait (and may expire), its stops are checked next time.
      if (!product || !usableBook(product)) continue;
      const m15 = ctx.candles[symbol]?.m15;
      const lastM15Volume = m15 && m15.length > 0 ? m15.volume(m15.length - 1) : undefined;
      for (const step of await stepsSince(market, product, from, ctx.now, lastM15Volume)) timeline.push({ symbol, step, product });
    }
    timeline.sort((a, b) => a.step.at - b.step.at || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));

    const filledNow = new Map<Resting, Sum>();
    const protectiveNow = new Map<string, Resting>();
    const outcomes: OrderOutcome[] = [];
    const take = (r: Resting, f: ModelFill, ts: number): void => {
      const booked = book1(r, f, ts);
      if ('code' in booked) return refuse(r, booked, outcomes);
      let sum = filledNow.get(r);
      if (!sum) filledNow.set(r, (sum = { qty: 0, notional: 0, fee: 0 }));
      sum.qty += booked.quantity;
      sum.notional += booked.quantity * booked.price;
      sum.fee += booked.feeUsd;
    };
    const walk = (): void => {
      for (const { symbol, step, product } of timeline) {
        for (const r of book) {
          if (r.closed || r.order.symbol !== symbol || r.placedAt > step.ts || step.ts >= r.expiresAt) continue;
          const res = fillInStep({ kind: r.kind, side: r.order.side, remaining: r.order.quantity - r.filled, price: r.order.limitPrice, first: !r.seen }, step, rules, product.baseIncrement);
          r.seen = true;
          if ('rejected' in res) refuse(r, { code: res.rejected, detail: { limit_price: r.order.limitPrice ?? 0, open: sig(step.open) } }, outcomes);
          else if ('fill' in res) take(r, res.fill, step.at);
          if (isFilled(r)) r.closed = true;
        }
        // A position is protected from the step after the one that opened it; a triggered stop still selling it is enough.
        const pos = store.position(symbol);
        if (!pos || book.some((r) => !r.closed && r.protective && r.order.symbol === symbol)) continue;
        const exit = exitIn(pos, step);
        if (!exit) continue;
        // A second trigger of the same position in this walk (a target the volume share left part of)
        // continues the first one's order: one client id, one outcome, fills booked as <id>#k.
        const earlier = protectiveNow.get(symbol);
        const r = earlier ?? protective(ctx.orderId(symbol, 'sell'), pos, exit.kind, exit.price, step.at);
        if (earlier) Object.assign(r, { kind: exit.kind, order: { ...r.order, limitPrice: exit.price, quantity: r.filled + pos.quantity } });
        else if (ctx.writeAhead && !ctx.writeAhead(r.order)) continue; // no record, no fill: the next step is checked again
        protectiveNow.set(symbol, r);
        const res = fillInStep({ kind: exit.kind, side: 'sell', remaining: pos.quantity, price: exit.price, first: true }, step, rules, product.baseIncrement);
        if ('fill' in res) take(r, res.fill, step.at);
        // The rest of a triggered stop sells at the next steps' opens; a target's rest stays with the position.
        if (exit.kind === 'stop' && !r.closed && !isFilled(r)) {
          r.kind = 'market';
          book.push(r);
        }
      }
    };
    // One transaction for the whole walk (one commit, not one per fill). Most cycles have nothing in
    // it that can fill: no resting order, and no held position whose stop, target or hold limit a
    // step reaches (the walk would only look). Those open no transaction (a year-long backtest
    // opened eight thousand empty ones).
    const mayFill = book.length > 0 || timeline.some(({ symbol, step }) => exitIn(store.position(symbol), step) !== undefined);
    if (mayFill) store.transaction(walk);

    for (const [r, sum] of filledNow) {
      const done = isFilled(r) || (r.order.side === 'sell' && !store.position(r.order.symbol));
      if (done) r.closed = true;
      outcomes.push(
        outcomeOf(r.order, {
          status: done ? 'filled' : 'partially_filled',
          price: sum.notional / sum.qty,
          size_usd: sum.notional,
          quantity: sum.qty,
          order_id: `paper_${r.order.clientOrderId}`,
          success: true,
          fee_usd: sum.fee,
          error: null,
        }),
      );
    }
    // Past its time: cancelled, the rest unfilled (recorded). A triggered stop never expires.
    for (const r of book) {
      if (r.closed || r.protective || ctx.now < r.expiresAt) continue;
      r.closed = true;
      outcomes.push(
        outcomeOf(r.order, {
          status: 'cancelled',
          price: r.order.limitPrice ?? null,
          quantity: r.order.quantity - r.filled,
          order_id: `paper_${r.order.clientOrderId}`,
          success: false,
          fee_usd: 0,
          error: `expired: ttl_seconds=${ttlMs / 1000}, filled=${r.filled}`,
        }),
      );
    }
    book = book.filter((r) => !r.closed);
    return outcomes;
  }

  return {
    mode: opts.mode ?? 'PAPER',
    async execute(orders, ctx) {
      const products = productsBySymbol(ctx.snapshot.products);
      if (seenUntil === undefined) seenUntil = ctx.now;
      return orders.map((o) => place(o, products.get(o.symbol), ctx.now));
    },
    settle,
    openOrders: () => book.filter((r) => !r.protective).map((r) => ({ symbol: r.order.symbol, side: r.order.side, ts: r.placedAt, clientOrderId: r.order.clientOrderId, status: 'open' as const })),
  };
}

/** Fills of one order within one settle, summed for its outcome. */
interface Sum {
  qty: number;
  notional: number;
  fee: number;
}

/** The stop, target or hold limit `step` reaches for a position opened before it (a position is protected from the step after the one that opened it). */
const exitIn = (pos: Position | undefined, step: MarketStep) => (pos !== undefined && pos.entryTime < step.at ? protectiveExit(pos, step) : undefined);

const isFilled = (r: Resting): boolean => r.filled >= r.order.quantity * (1 - QTY_REL_EPS);

/** A position's stop or target as an order of the book (the venue's protective order). */
function protective(clientOrderId: string, pos: Position, kind: 'stop' | 'target', price: number, ts: number): Resting {
  const reason = kind === 'stop' ? 'stop_loss' : 'take_profit';
  const order: PlannedOrder = {
    clientOrderId,
    symbol: pos.symbol,
    side: 'sell',
    type: kind === 'stop' ? 'market' : 'limit',
    postOnly: false,
    quantity: pos.quantity,
    limitPrice: price,
    notionalUsd: pos.quantity * price,
    intent: 'exit',
    reason,
    tier: pos.tier,
    ...(pos.cluster !== undefined && { cluster: pos.cluster }),
  };
  return { order, kind, placedAt: ts, expiresAt: Number.POSITIVE_INFINITY, filled: 0, fills: 0, seen: true, closed: false, protective: true };
}

/** Why an order cannot even be placed: a bad quantity, no product, no usable book. */
function placementDenial(o: PlannedOrder, product: Product | undefined): ExecutionDenial | undefined {
  if (!(Number.isFinite(o.quantity) && o.quantity > 0)) return { code: 'bad_quantity', detail: { quantity: o.quantity } };
  if (!product) return { code: 'product_missing', detail: { symbol: o.symbol } };
  return usableBook(product) ? undefined : { code: 'bad_price', detail: { symbol: o.symbol, bid: product.bid, ask: product.ask } };
}

/** A book with finite, positive, uncrossed prices. */
const usableBook = ({ bid, ask }: Product): boolean => Number.isFinite(bid) && Number.isFinite(ask) && bid > 0 && ask > 0 && bid <= ask;

function rejected(o: PlannedOrder, d: ExecutionDenial): OrderOutcome {
  return outcomeOf(o, { status: 'rejected', price: null, order_id: null, success: false, fee_usd: 0, error: renderDenial(d) });
}

const usd = (x: number): number => Math.round(x * 100) / 100;
const sig = (x: number): number => Number(x.toPrecision(8));
