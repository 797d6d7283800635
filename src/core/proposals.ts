/**
 * Stage 3, proposals: exits for open positions (every cycle, triggers or not), then long entries
 * from the rules strategy. Pure: prices come from the snapshot, time from `snapshot.now`.
 *
 * Formulas (the audit trail shows their inputs, so they are spelled out here):
 * - conviction = min(1, Σ_types w[type] × s_up[type] / Σ_types w[type]), over the distinct trigger
 *   types present for the symbol in either direction; s_up[type] is the strongest upward trigger of
 *   that type (0 when the type only fired downward). A weighted mean of upward strength, so a
 *   downward trigger dilutes an upward one instead of being ignored. All weights 0 gives 0.
 * - entry size (USD) = equity × policy.sizing.tier_N_pct / 100 × (0.5 + 0.5 × conviction):
 *   half the tier size at zero conviction, the full tier size at conviction 1.
 * - an operator's exit (control API or CLI) sells the whole position with reason `operator_exit`
 *   when no stop-loss, take-profit or max-hold exit applies first.
 * - strategy max_positions counts positions already open; exits proposed this cycle do not free a
 *   slot (they may not fill), and the strongest entries get the free slots.
 */
import type { Policy } from '../config/schema/policy.ts';
import type { Strategies } from '../config/schema/strategies.ts';
import { roundTo } from './indicators.ts';
import { productsBySymbol } from './productIndex.ts';
import type { MarketSnapshot, PortfolioView, Position, Proposal, ProposalResult, Trigger, TriggerType, UniverseAsset } from './types.ts';

/** What makeProposals needs: strategy and policy config, triggers, eligible assets, the portfolio and prices. */
export interface ProposalInput {
  /** signals.yaml `strategies:`. */
  strategies: Strategies;
  policy: Policy;
  triggers: readonly Trigger[];
  assets: readonly UniverseAsset[];
  portfolio: PortfolioView;
  snapshot: MarketSnapshot;
  /** Held symbols an operator asked to exit (control `exit`/`flatten`): sold now unless a rule exit applies. */
  operatorExits?: ReadonlySet<string>;
}

/** Why a symbol got no proposal (rendered `code: key=value, …` in `rejections`). */
export type ProposalRejectionCode =
  | 'exit_no_product' // open position whose product is not in the snapshot: cannot price an exit
  | 'exit_bad_price' // product present but its bid is unusable
  | 'strategy_disabled'
  | 'not_in_universe' // a trigger for a symbol that is not an eligible asset
  | 'direction_down' // only downward triggers; spot, no shorting
  | 'already_open'
  | 'low_conviction'
  | 'below_min_notional'
  | 'strategy_max_positions';

/** Renders a rejection as `code: key=value, key=value` (just `code` without fields). */
export function renderRejection(code: ProposalRejectionCode, fields: Record<string, number | string> = {}): string {
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'number' ? String(roundTo(v, 4)) : v}`);
  return parts.length > 0 ? `${code}: ${parts.join(', ')}` : code;
}

const bySymbol = <T extends { symbol: string }>(a: T, b: T): number => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0);

/** The exit a position needs at `bid` and `now`, or undefined. Stop-loss wins over take-profit over max hold. */
export function exitReason(position: Position, bid: number, now: number): 'stop_loss' | 'take_profit' | 'max_hold' | undefined {
  if (bid <= position.stopLossPrice) return 'stop_loss';
  if (bid >= position.takeProfitPrice) return 'take_profit';
  if (now >= position.maxHoldUntil) return 'max_hold';
  return undefined;
}

/** Conviction of a symbol's triggers under the strategy's weights (formula in the file header). */
export function conviction(triggers: readonly Trigger[], weights: Readonly<Record<TriggerType, number>>): number {
  const upStrength = new Map<TriggerType, number>();
  for (const t of triggers) {
    const prev = upStrength.get(t.type) ?? 0;
    upStrength.set(t.type, t.direction === 'up' ? Math.max(prev, t.strength) : prev);
  }
  let num = 0;
  let den = 0;
  for (const [type, s] of upStrength) {
    num += weights[type] * s;
    den += weights[type];
  }
  // Rounded so a value meant to equal min_conviction is not lost to floating point.
  return den > 0 ? roundTo(Math.min(1, num / den), 9) : 0;
}

/** Entry size in USD: equity × tier pct / 100 × (0.5 + 0.5 × conviction). */
export function entryNotionalUsd(equityUsd: number, tierPct: number, convictionValue: number): number {
  return ((equityUsd * tierPct) / 100) * (0.5 + 0.5 * convictionValue);
}

/** Stage 3: exits first (by symbol), then entries by conviction desc then symbol; and why the rest got nothing. */
export function makeProposals(input: ProposalInput): ProposalResult {
  const { strategies, policy, portfolio, snapshot } = input;
  const rejections: Record<string, string[]> = {};
  const reject = (symbol: string, text: string) => (rejections[symbol] ??= []).push(text);
  const products = productsBySymbol(snapshot.products);

  // Dust (a remainder below the product's minimum order size) can be neither sold nor
  // topped up in a useful way: it neither proposes an exit nor blocks a new entry.
  const isDust = (pos: Position): boolean => {
    const p = products.get(pos.symbol);
    return p !== undefined && (pos.quantity < p.minBaseQty || pos.quantity * p.bid < p.minNotionalUsd);
  };

  // ---- exits: every open position, every cycle --------------------------------------------
  const exits: Proposal[] = [];
  for (const pos of [...portfolio.positions].sort(bySymbol)) {
    const product = products.get(pos.symbol);
    if (!product) {
      reject(pos.symbol, renderRejection('exit_no_product'));
      continue;
    }
    if (isDust(pos)) continue;
    const bid = product.bid;
    if (!Number.isFinite(bid) || bid <= 0) {
      reject(pos.symbol, renderRejection('exit_bad_price', { bid: String(bid) }));
      continue;
    }
    const reason = exitReason(pos, bid, snapshot.now) ?? (input.operatorExits?.has(pos.symbol) ? 'operator_exit' : undefined);
    if (!reason) continue;
    exits.push({
      symbol: pos.symbol,
      side: 'sell',
      intent: 'exit',
      tier: pos.tier,
      ...(pos.cluster !== undefined ? { cluster: pos.cluster } : {}),
      notionalUsd: pos.quantity * bid,
      quantity: pos.quantity,
      conviction: 1,
      reason,
      strategy: 'exit',
    });
  }

  // ---- entries: rules strategy -------------------------------------------------------------
  const rules = strategies.rules;
  const groups = new Map<string, Trigger[]>();
  for (const t of input.triggers) {
    const g = groups.get(t.symbol);
    if (g) g.push(t);
    else groups.set(t.symbol, [t]);
  }
  const symbols = [...groups.keys()].sort();
  if (!rules.enabled) {
    for (const s of symbols) reject(s, renderRejection('strategy_disabled', { strategy: 'rules' }));
    return { proposals: exits, rejections };
  }

  // Only the triggered symbols are indexed (the last listing wins, as with new Map): a Map of all
  // ~300 eligible assets per cycle was most of this stage's garbage, for a handful of lookups.
  const assets = new Map<string, UniverseAsset>();
  for (const a of input.assets) if (groups.has(a.symbol)) assets.set(a.symbol, a);
  const held = new Map(portfolio.positions.filter((p) => !isDust(p)).map((p) => [p.symbol, p] as const));
  const typesOf = (ts: readonly Trigger[]): string =>
    // Alphabetical, so the same set of triggers always reads the same in the audit log.
    [...new Set(ts.map((t) => t.type))].sort().join('+');

  const entries: Proposal[] = [];
  for (const symbol of symbols) {
    const ts = groups.get(symbol)!;
    const asset = assets.get(symbol);
    if (!asset) {
      reject(symbol, renderRejection('not_in_universe'));
      continue;
    }
    const ups = ts.filter((t) => t.direction === 'up');
    if (ups.length === 0) {
      reject(symbol, renderRejection('direction_down', { types: typesOf(ts) }));
      continue;
    }
    const pos = held.get(symbol);
    if (pos) {
      reject(symbol, renderRejection('already_open', { quantity: pos.quantity }));
      continue;
    }
    const c = conviction(ts, rules.trigger_weights);
    if (c < rules.min_conviction) {
      reject(symbol, renderRejection('low_conviction', { conviction: c, min: rules.min_conviction }));
      continue;
    }
    const tierPct = policy.sizing[`${asset.tier}_pct`];
    const notionalUsd = entryNotionalUsd(portfolio.equityUsd, tierPct, c);
    if (!(notionalUsd >= policy.sizing.min_notional_usd)) {
      reject(symbol, renderRejection('below_min_notional', { notional_usd: notionalUsd, min: policy.sizing.min_notional_usd }));
      continue;
    }
    entries.push({
      symbol,
      side: 'buy',
      intent: 'entry',
      tier: asset.tier,
      ...(asset.cluster !== undefined ? { cluster: asset.cluster } : {}),
      notionalUsd,
      conviction: c,
      reason: typesOf(ups),
      stopLossPct: policy.exits.stop_loss_pct,
      takeProfitPct: policy.exits.take_profit_pct,
      maxHoldHours: policy.exits.max_hold_hours,
      strategy: 'rules',
    });
  }

  entries.sort((a, b) => b.conviction - a.conviction || bySymbol(a, b));
  const slots = Math.max(0, rules.max_positions - portfolio.positions.length);
  for (const late of entries.slice(slots)) {
    reject(late.symbol, renderRejection('strategy_max_positions', { open: portfolio.positions.length, max: rules.max_positions }));
  }
  return { proposals: [...exits, ...entries.slice(0, slots)], rejections };
}
