/**
 * The risk stage: which proposals may become orders this cycle, possibly smaller, and the trading
 * state that follows. Pure. Every check is listed here, in the order it runs; the first denial stops
 * a proposal (NautilusTrader's RiskEngine). The checks themselves live in ./risk/, one group per file.
 */
import type { Policy } from '../config/schema/policy.ts';
import type { Strategies } from '../config/schema/strategies.ts';
import { renderDenial, type Denial } from './denials.ts';
import { makeContext, type EntryCheck, type GlobalCheck, type ReconcileHold, type RiskContext } from './risk/context.ts';
import { lossCooldown, symbolCooldown } from './risk/cooldowns.ts';
import { minNotional, perAssetCap, perClusterCap, strategyBudget, totalAtRisk } from './risk/exposure.ts';
import { tradeSpacing, tradesPerDay, tradesPerHour } from './risk/frequency.ts';
import { dailyStop, haltedState, killSwitch, maxDrawdown, reconcileHold, stateFor, weeklyStop } from './risk/global.ts';
import { maxOpenPositions, newPositionsPerCycle } from './risk/positions.ts';
import { productTradable } from './risk/tradable.ts';
import type { MarketSnapshot, PortfolioView, Proposal, RiskResult, TradingState } from './types.ts';

export { checkOrders, type CheckOrdersInput, type CheckOrdersResult, type RecentOrder } from './risk/pretrade.ts';

/** Book-wide checks, all evaluated; any hit blocks every entry (kill switch first: it decides HALTED). */
export const GLOBAL_CHECKS: readonly GlobalCheck[] = [killSwitch, haltedState, dailyStop, weeklyStop, maxDrawdown, reconcileHold];

/** Per entry, in this order; the first denial wins, a resize carries on with the smaller notional. */
export const ENTRY_CHECKS: readonly EntryCheck[] = [
  productTradable,
  tradesPerHour,
  tradesPerDay,
  tradeSpacing,
  symbolCooldown,
  lossCooldown,
  maxOpenPositions,
  newPositionsPerCycle,
  totalAtRisk,
  perAssetCap,
  perClusterCap,
  strategyBudget,
  minNotional,
];

/** What assessRisk needs: the cycle's proposals and everything they are checked against. */
export interface RiskInput {
  policy: Policy;
  proposals: readonly Proposal[];
  portfolio: PortfolioView;
  snapshot: MarketSnapshot;
  /** The kill switch as the loop sees it (file present, or latched until `resume`). */
  killSwitch: boolean;
  /** The state the loop is in now; HALTED stays HALTED until the loop resumes. */
  tradingState: TradingState;
  /** signals.yaml `strategies:`: each entry also faces its strategy's budget (STRATEGY_BUDGET). */
  strategies: Strategies;
  /** LIVE: a latched money-changing reconcile difference; entries wait (REDUCING) until an operator resumes. */
  reconcileHold?: ReconcileHold | undefined;
}

/** An entry approved smaller than proposed, and the cap that shrank it. */
export interface Resize {
  symbol: string;
  fromUsd: number;
  toUsd: number;
  /** The rendered denial of the cap that would have refused the full size. */
  cause: string;
}

/** RiskResult plus the resizes, so the loop can log why an order is smaller than proposed. */
export interface RiskAssessment extends RiskResult {
  resized: Resize[];
}

function reject(rejections: Record<string, string[]>, symbol: string, d: Denial): void {
  (rejections[symbol] ??= []).push(renderDenial(d));
}

/** Runs ENTRY_CHECKS on one entry: the approved (maybe resized) proposal, or the first denial. */
function assessEntry(p: Proposal, ctx: RiskContext, resized: Resize[]): Proposal | Denial {
  let current = p;
  for (const check of ENTRY_CHECKS) {
    const v = check(current, ctx);
    if (v === undefined) continue;
    if ('deny' in v) return v.deny;
    resized.push({ symbol: p.symbol, fromUsd: current.notionalUsd, toUsd: v.resizeTo, cause: renderDenial(v.cause) });
    current = { ...current, notionalUsd: v.resizeTo };
  }
  return current;
}

/** The risk stage: approves, resizes or rejects each proposal and says which trading state follows. */
export function assessRisk(input: RiskInput): RiskAssessment {
  const ctx = makeContext(input);
  const globals = GLOBAL_CHECKS.map((c) => c(ctx)).filter((d): d is Denial => d !== undefined);
  const blocker = globals[0];
  const trading: TradingState = blocker === undefined ? 'ACTIVE' : stateFor(blocker.code);

  const approved: Proposal[] = [];
  const rejections: Record<string, string[]> = {};
  const resized: Resize[] = [];

  for (const p of input.proposals) {
    if (p.intent === 'exit') {
      // Exits reduce risk: no exposure check may hold them. Only a halt without exits_when_halted
      // (REDUCING always lets them through) or a product the exchange will not trade stops them.
      const halted = trading === 'HALTED' && !input.policy.governance.exits_when_halted ? blocker : undefined;
      const denial = halted ?? productTradable(p, ctx)?.deny;
      if (denial === undefined) approved.push(p);
      else reject(rejections, p.symbol, denial);
      continue;
    }
    const outcome = blocker ?? assessEntry(p, ctx, resized);
    if ('code' in outcome) {
      reject(rejections, p.symbol, outcome);
    } else {
      approved.push(outcome);
      ctx.approved.push(outcome);
    }
  }

  return { approved, violations: globals.map(renderDenial), rejections, trading, resized };
}
