/** What every risk check reads: the inputs of one cycle plus the entries approved so far in it. */
import type { Policy } from '../../config/schema/policy.ts';
import type { Strategies } from '../../config/schema/strategies.ts';
import type { Product } from '../../exchange/types.ts';
import { limitPriceFor } from '../orders.ts';
import type { Denial } from '../denials.ts';
import { productsBySymbol } from '../productIndex.ts';
import type { MarketSnapshot, PortfolioView, Position, Proposal, TradingState } from '../types.ts';

/** One strategy's share of the book, as configured in signals.yaml `strategies:`. */
export interface StrategyBudget {
  enabled: boolean;
  risk_budget_pct: number;
  max_positions: number;
}

/** The cycle as the checks see it; built once per assessRisk call. */
export interface RiskContext {
  readonly policy: Policy;
  readonly portfolio: PortfolioView;
  readonly now: number; // ms UTC, the snapshot's time
  readonly equityUsd: number;
  readonly products: ReadonlyMap<string, Product>;
  readonly held: ReadonlySet<string>;
  readonly killSwitch: boolean;
  readonly tradingState: TradingState;
  /** signals.yaml `strategies:` by name; a proposal of a strategy not listed (an exit) has no budget. */
  readonly strategies: Readonly<Record<string, StrategyBudget | undefined>>;
  /** LIVE: the latched reconcile difference (REDUCING until resumed), if any. */
  readonly reconcileHold: ReconcileHold | undefined;
  /** Entries approved earlier in this cycle (after any resize). The engine appends; checks only read. */
  readonly approved: Proposal[];
}

/** A latched LIVE reconcile difference: since when (ISO time). */
export interface ReconcileHold {
  since: string;
}

/** A global check: a denial blocks every entry this cycle. */
export type GlobalCheck = (ctx: RiskContext) => Denial | undefined;

/** What an entry check decides: pass (undefined), deny, or shrink the proposal to fit a cap. */
export type Verdict = undefined | { deny: Denial } | { resizeTo: number; cause: Denial };

/** A per-entry check. Run in the engine's fixed order; the first denial stops the proposal. */
export type EntryCheck = (p: Proposal, ctx: RiskContext) => Verdict;

/** Builds the context from the assessRisk input. */
export function makeContext(input: {
  policy: Policy;
  portfolio: PortfolioView;
  snapshot: MarketSnapshot;
  killSwitch: boolean;
  tradingState: TradingState;
  strategies: Strategies;
  reconcileHold?: ReconcileHold | undefined;
}): RiskContext {
  return {
    policy: input.policy,
    portfolio: input.portfolio,
    now: input.snapshot.now,
    equityUsd: input.portfolio.equityUsd,
    products: productsBySymbol(input.snapshot.products),
    held: new Set(input.portfolio.positions.map((p) => p.symbol)),
    killSwitch: input.killSwitch,
    tradingState: input.tradingState,
    reconcileHold: input.reconcileHold,
    strategies: input.strategies,
    approved: [],
  };
}

export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

/**
 * `pct` percent of `usd`, multiplying first: 7 / 100 * 10_000 is 700.0000000000001 in floats, which
 * would let a loss of exactly 700 slip past a 7% stop.
 */
export const pctOf = (pct: number, usd: number): number => (pct * usd) / 100;

// Limits compare with this much slack so that "exactly at the limit" means at it, not float noise away.
export const EPS = 1e-9;

/** 00:00 UTC of the day containing `ts`. */
export const startOfUtcDay = (ts: number): number => ts - (((ts % 86_400_000) + 86_400_000) % 86_400_000);

/** A position at its current mark; at cost when the loop could not mark it (better than counting it as zero). */
export const positionValue = (ctx: RiskContext, pos: Position): number =>
  ctx.portfolio.marksUsd[pos.symbol] ?? pos.quantity * pos.avgEntryPrice;

/** USD held plus USD approved this cycle, over the positions and entries that `match`. */
export function exposureUsd(ctx: RiskContext, match: (x: { symbol: string; cluster?: string }) => boolean): number {
  let sum = 0;
  for (const pos of ctx.portfolio.positions) if (match(pos)) sum += positionValue(ctx, pos);
  for (const p of ctx.approved) if (match(p)) sum += p.notionalUsd;
  return sum;
}

/** The smallest order worth sending for `symbol`: the larger of policy's and the exchange's minimum. */
export const minNotionalUsd = (ctx: Pick<RiskContext, 'policy' | 'products'>, symbol: string): number =>
  Math.max(ctx.policy.sizing.min_notional_usd, ctx.products.get(symbol)?.minNotionalUsd ?? 0);

/** Whether this entry opens a position (not held, not already approved this cycle). */
export const opensPosition = (ctx: RiskContext, symbol: string): boolean =>
  !ctx.held.has(symbol) && !ctx.approved.some((a) => a.symbol === symbol);

/** Symbols that will be open if every approval so far fills. */
export const openAfterApprovals = (ctx: RiskContext): number =>
  new Set([...ctx.held, ...ctx.approved.map((a) => a.symbol)]).size;

/**
 * What one USD of entry notional can cost once filled, fees included (≥ 1). The order is sized at its
 * planned price (the limit, or the ask for a market order); a PAPER fill takes the ask worsened by
 * paper_slippage_bps (a LIVE limit fill is never worse than its limit, so this over-reserves there);
 * the fee is the larger of maker and taker. Without a usable book: 1 (productTradable denies it first).
 */
export function entryCostFactor(policy: Policy, product: Product | undefined): number {
  if (!product || !(product.ask > 0)) return 1;
  const exec = policy.execution;
  const planned = limitPriceFor(exec.order_type, 'buy', product, exec.limit_offset_bps) ?? product.ask;
  if (!(planned > 0)) return 1;
  const worstFill = Math.max(planned, product.ask * (1 + exec.paper_slippage_bps / 10_000));
  return (worstFill / planned) * (1 + Math.max(exec.maker_fee_bps, exec.taker_fee_bps) / 10_000);
}

/**
 * The shared cap rule: fits → pass; too big but the remaining room is still worth an order
 * (≥ min notional) → resize down to the room, in whole cents; otherwise deny. With a `costFactor`
 * (entryCostFactor) the room is for the entry's whole cost: notional × costFactor must fit.
 */
export function capVerdict(
  p: Proposal,
  ctx: RiskContext,
  usedUsd: number,
  capUsd: number,
  denial: (room: number) => Denial,
  costFactor = 1,
): Verdict {
  const room = (capUsd - usedUsd) / costFactor;
  if (!Number.isFinite(room)) return { deny: denial(room) };
  // `!(a > b)` so a NaN notional falls through to MIN_NOTIONAL instead of being "resized" into a number.
  if (!(p.notionalUsd > room + EPS)) return undefined;
  const roomCents = Math.floor(room * 100 + 1e-6) / 100;
  if (roomCents > 0 && roomCents >= minNotionalUsd(ctx, p.symbol)) return { resizeTo: roomCents, cause: denial(room) };
  return { deny: denial(room) };
}
