import { z } from 'zod';
import { bool, int, num, pct } from './fields.ts';

const weight = () => num(0, 10);

/** strategies.yaml: enabled strategies and their budgets. */
export const strategiesSchema = z.strictObject({
  strategies: z.strictObject({
    rules: z.strictObject({
      enabled: bool(),
      risk_budget_pct: pct(),
      max_positions: int(0, 1000),
      min_conviction: num(0, 1),
      trigger_weights: z.strictObject({
        price_move: weight(),
        volume_spike: weight(),
        breakout: weight(),
        momentum: weight(),
      }),
    }),
  }),
});

export type Strategies = z.infer<typeof strategiesSchema>;
