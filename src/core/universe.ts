/**
 * Stage 1, universe: which configured symbols may be traded this cycle, and why the others may not.
 * Pure: the loop passes products, bans and the previous cycle's eligible set; time comes in `now`.
 */
import type { Policy } from '../config/schema/policy.ts';
import type { TierName, Universe } from '../config/schema/universe.ts';
import type { Product } from '../exchange/types.ts';
import { roundTo, spreadBps } from './indicators.ts';
import { productsBySymbol } from './productIndex.ts';
import type { ExclusionReason, UniverseAsset, UniverseResult } from './types.ts';

/** Tiers in output order. */
export const TIER_ORDER: readonly TierName[] = ['tier_1', 'tier_2', 'tier_3'];

/** What selectUniverse needs: config, the exchange's products, last cycle's eligible set, bans and the time. */
export interface UniverseInput {
  universe: Universe;
  policy: Policy;
  products: readonly Product[];
  /** Symbols eligible last cycle; they get the hysteresis allowance on liquidity. */
  previouslyEligible: ReadonlySet<string>;
  /** symbol -> ms UTC until which it is banned. */
  bans: Readonly<Record<string, number>>;
  now: number;
}

type Exclusion = { reason: ExclusionReason; detail?: string };

const show = (x: number): string => String(roundTo(x, 4));
const detail = (fields: Record<string, number | string>): string =>
  Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? show(v) : v}`)
    .join(', ');

const badNumber = (x: number): boolean => !Number.isFinite(x) || x <= 0;

/**
 * Checks one configured symbol in a fixed order; the first failure is its exclusion.
 * Hard checks (never-trade, listing, status, ban, price sanity) come before the liquidity
 * checks, which are the only ones the hysteresis relaxes.
 */
function checkSymbol(
  symbol: string,
  tier: TierName,
  product: Product | undefined,
  input: UniverseInput,
  neverTrade: ReadonlySet<string>,
): Exclusion | undefined {
  const { universe, policy, bans, now } = input;
  if (neverTrade.has(symbol)) return { reason: 'never_trade' };
  if (!product) return { reason: 'not_listed' };
  if (product.status !== 'online') return { reason: 'not_online', detail: detail({ status: product.status }) };
  const bannedUntil = bans[symbol];
  if (bannedUntil !== undefined && bannedUntil > now) {
    return { reason: 'temporary_ban', detail: detail({ until: new Date(bannedUntil).toISOString() }) };
  }
  const { price, bid, ask } = product;
  if (badNumber(price) || badNumber(bid) || badNumber(ask) || bid > ask) {
    return { reason: 'bad_price', detail: detail({ price, bid, ask }) };
  }

  // The stricter of the tier's and the policy's limits applies.
  const tierCfg = universe.tiers[tier];
  const floor = Math.max(tierCfg.min_24h_volume_usd, policy.liquidity.min_24h_volume_usd);
  const maxSpread = Math.min(tierCfg.max_spread_bps, policy.liquidity.max_spread_bps);
  // A symbol already in the universe keeps its place until it is clearly worse, so it
  // does not flap in and out around the limit: floor * keep, spread limit / keep.
  const keep = universe.hysteresis.keep_ratio;
  const held = input.previouslyEligible.has(symbol);
  const volFloor = held ? floor * keep : floor;
  const spreadMax = held ? (keep > 0 ? maxSpread / keep : Number.POSITIVE_INFINITY) : maxSpread;

  const volume = product.volume24hUsd;
  // Written as !(a >= b) so a NaN volume fails the floor instead of passing it.
  if (!(volume >= volFloor)) {
    const fields: Record<string, number> = { volume_24h_usd: volume, floor };
    if (held) fields.keep_floor = volFloor;
    return { reason: 'low_volume', detail: detail(fields) };
  }
  // Rounded to 9 decimals so 99.8/100.2 is exactly 40 bps, not 40.000000000000057.
  const spread = roundTo(spreadBps(bid, ask), 9);
  if (!(spread <= spreadMax)) {
    const fields: Record<string, number> = { spread_bps: spread, max: maxSpread };
    if (held) fields.keep_max = spreadMax;
    return { reason: 'wide_spread', detail: detail(fields) };
  }
  return undefined;
}

/** What selectUniverse derives from the universe config alone: computed once per (frozen) config. */
interface UniversePlan {
  neverTrade: ReadonlySet<string>;
  clusterOf: ReadonlyMap<string, string>;
  /** Each tier's symbols, deduplicated, without those of a higher tier, sorted. */
  tierSymbols: Record<TierName, readonly string[]>;
}
const plans = new WeakMap<Universe, UniversePlan>();
function planFor(universe: Universe): UniversePlan {
  let plan = plans.get(universe);
  if (plan) return plan;
  // First cluster that lists a symbol wins (YAML order), so a typo listing it twice is harmless.
  const clusterOf = new Map<string, string>();
  for (const [name, syms] of Object.entries(universe.clusters)) {
    for (const s of syms) if (!clusterOf.has(s)) clusterOf.set(s, name);
  }
  // A symbol listed in two tiers belongs to the first (higher) one.
  const seen = new Set<string>();
  const tierSymbols = { tier_1: [], tier_2: [], tier_3: [] } as Record<TierName, string[]>;
  for (const tier of TIER_ORDER) {
    tierSymbols[tier] = [...new Set(universe.tiers[tier].symbols)].filter((s) => !seen.has(s)).sort();
    for (const s of tierSymbols[tier]) seen.add(s);
  }
  plan = { neverTrade: new Set(universe.never_trade), clusterOf, tierSymbols };
  plans.set(universe, plan);
  return plan;
}

/** Stage 1: the eligible assets (tier 1 first, then by symbol) and every configured symbol left out, with why. */
export function selectUniverse(input: UniverseInput): UniverseResult {
  const { universe } = input;
  const { neverTrade, clusterOf, tierSymbols } = planFor(universe);
  const productBySymbol = productsBySymbol(input.products);

  const assets: UniverseAsset[] = [];
  const excluded: UniverseResult['excluded'] = [];
  const byTier: Record<TierName, string[]> = { tier_1: [], tier_2: [], tier_3: [] };

  for (const tier of TIER_ORDER) {
    for (const symbol of tierSymbols[tier]) {
      const product = productBySymbol.get(symbol);
      const failure = checkSymbol(symbol, tier, product, input, neverTrade);
      if (failure) {
        excluded.push({ symbol, ...failure });
        continue;
      }
      const cluster = clusterOf.get(symbol);
      assets.push(cluster !== undefined ? { symbol, tier, cluster, product: product! } : { symbol, tier, product: product! });
      byTier[tier].push(symbol);
    }
  }
  return { assets, byTier, excluded, totalEligible: assets.length };
}
