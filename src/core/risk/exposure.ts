/** How much of equity may be at risk: in total, per asset, per cluster, per strategy; and the smallest order. */
import { deny, floorCents } from '../denials.ts';
import { capVerdict, entryCostFactor, exposureUsd, minNotionalUsd, openAfterApprovals, opensPosition, pctOf, positionValue, type EntryCheck, type RiskContext } from './context.ts';

/** All positions (at marks) plus approvals this cycle within max_total_at_risk_pct of equity; resizes to fit. */
export const totalAtRisk: EntryCheck = (p, ctx) => {
  const pct = ctx.policy.risk.max_total_at_risk_pct;
  const cap = pctOf(pct, ctx.equityUsd);
  const used = exposureUsd(ctx, () => true);
  return capVerdict(p, ctx, used, cap, (room) =>
    deny('TOTAL_AT_RISK', { at_risk_usd: used, proposed_usd: p.notionalUsd, cap_usd: cap, cap_pct: pct, room_usd: room }),
  );
};

/** The symbol's position plus approvals within max_per_asset_pct of equity; resizes to fit. */
export const perAssetCap: EntryCheck = (p, ctx) => {
  const pct = ctx.policy.risk.max_per_asset_pct;
  const cap = pctOf(pct, ctx.equityUsd);
  const used = exposureUsd(ctx, (x) => x.symbol === p.symbol);
  return capVerdict(p, ctx, used, cap, (room) =>
    deny('PER_ASSET_CAP', { symbol: p.symbol, asset_usd: used, proposed_usd: p.notionalUsd, cap_usd: cap, cap_pct: pct, room_usd: room }),
  );
};

/** The cluster's positions plus approvals within max_per_cluster_pct of equity; resizes to fit. No cluster, no cap. */
export const perClusterCap: EntryCheck = (p, ctx) => {
  const cluster = p.cluster;
  if (cluster === undefined) return undefined;
  const pct = ctx.policy.risk.max_per_cluster_pct;
  const cap = pctOf(pct, ctx.equityUsd);
  const used = exposureUsd(ctx, (x) => x.cluster === cluster);
  return capVerdict(p, ctx, used, cap, (room) =>
    deny('PER_CLUSTER_CAP', { cluster, cluster_usd: used, proposed_usd: p.notionalUsd, cap_usd: cap, cap_pct: pct, room_usd: room }),
  );
};

/**
 * USD a strategy has at risk: its open positions at their marks, plus every entry approved this cycle
 * at its whole cost once filled (notional × entryCostFactor: worst fill price and fee).
 */
function strategyAtRiskUsd(ctx: RiskContext): number {
  let sum = 0;
  for (const pos of ctx.portfolio.positions) sum += positionValue(ctx, pos);
  for (const a of ctx.approved) sum += a.notionalUsd * entryCostFactor(ctx.policy, ctx.products.get(a.symbol));
  return sum;
}

/**
 * The proposing strategy's budget from signals.yaml `strategies:`: enabled, max_positions, and
 * risk_budget_pct of equity for everything it has at risk, the entry's fees and worst fill price
 * counted (resizes to fit). Positions do not record which strategy opened them, so every open
 * position counts against the budget; today `rules` is the only strategy that opens positions, so
 * that is exact.
 */
export const strategyBudget: EntryCheck = (p, ctx) => {
  const budget = ctx.strategies[p.strategy];
  if (budget === undefined) return undefined;
  if (!budget.enabled) return { deny: deny('STRATEGY_BUDGET', { strategy: p.strategy, enabled: 'false' }) };
  if (opensPosition(ctx, p.symbol) && openAfterApprovals(ctx) >= budget.max_positions) {
    return { deny: deny('STRATEGY_BUDGET', { strategy: p.strategy, open: openAfterApprovals(ctx), max_positions: budget.max_positions }) };
  }
  const pct = budget.risk_budget_pct;
  const cap = pctOf(pct, ctx.equityUsd);
  const used = strategyAtRiskUsd(ctx);
  const factor = entryCostFactor(ctx.policy, ctx.products.get(p.symbol));
  return capVerdict(
    p,
    ctx,
    used,
    cap,
    (room) => deny('STRATEGY_BUDGET', { strategy: p.strategy, used_usd: used, proposed_usd: p.notionalUsd, cost_factor: factor, cap_usd: cap, cap_pct: pct, room_usd: room }),
    factor,
  );
};

/** The (possibly resized) entry is below the larger of policy's and the exchange's minimum order. */
export const minNotional: EntryCheck = (p, ctx) => {
  const min = minNotionalUsd(ctx, p.symbol);
  // `!(a >= b)` also catches a NaN notional.
  return !(p.notionalUsd >= min) ? { deny: deny('MIN_NOTIONAL', { symbol: p.symbol, notional_usd: floorCents(p.notionalUsd), min_usd: min }) } : undefined;
};
