import { z } from 'zod';
import { bool, int, num, pct } from './fields.ts';

const weight = () => num(0, 10);

/**
 * signals.yaml `strategies:`: which strategies propose entries, their conviction threshold, trigger
 * weights, position limit and share of equity at risk. Decision inputs, so they live in a hashed file
 * (until 0.1 they sat in an unhashed strategies.yaml, which is now refused; see RETIRED_FILES).
 */
export const strategiesSchema = z.strictObject({
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
});

/** The `strategies:` block of signals.yaml. */
export type Strategies = z.infer<typeof strategiesSchema>;
