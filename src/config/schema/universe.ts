import { z } from 'zod';
import { num, symbols } from './fields.ts';

const tier = z.strictObject({
  symbols: symbols(),
  min_24h_volume_usd: num(0, 1e15),
  max_spread_bps: num(0, 10_000),
});

/** universe.yaml: tiers with liquidity floors, clusters, never-trade list, hysteresis. */
export const universeSchema = z.strictObject({
  tiers: z.strictObject({ tier_1: tier, tier_2: tier, tier_3: tier }),
  clusters: z.record(z.string().regex(/^[a-z0-9_]+$/).describe('a cluster name in lower_snake_case'), symbols()),
  never_trade: symbols(),
  hysteresis: z.strictObject({ keep_ratio: num(0, 1) }),
});

export type Universe = z.infer<typeof universeSchema>;
export type TierName = keyof Universe['tiers'];
