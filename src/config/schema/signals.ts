import { z } from 'zod';
import { H1_BARS_READ, MAX_LOOKBACK_HOURS } from '../../core/history.ts';
import { int, num } from './fields.ts';
import { strategiesSchema } from './strategies.ts';

/** A lookback in 1h bars that the cycle's candle history holds (core/history.ts). */
const lookback = (min: number) =>
  int(min, MAX_LOOKBACK_HOURS).describe(`a whole number between ${min} and ${MAX_LOOKBACK_HOURS} (each cycle reads the last ${H1_BARS_READ} 1h bars)`);

const regimeThresholds = z.strictObject({
  price_move_15m_pct: num(0, 100),
  price_move_60m_pct: num(0, 100),
  volume_ratio_1h_24h: num(0, 1000),
  momentum_min_pct: num(0, 1000),
});

/** signals.yaml: regime detection, trigger thresholds per regime, and the strategies that turn triggers into entries. */
export const signalsSchema = z.strictObject({
  regime: z.strictObject({
    lookback_hours: lookback(1),
    bull_move_pct: num(-100, 1000),
    bear_move_pct: num(-100, 1000),
    crash_move_pct: num(-100, 1000),
    chop_max_abs_move_pct: num(0, 1000),
  }),
  triggers: z.strictObject({
    max_per_cycle: int(1, 1000),
    min_strength: num(0, 1),
    breakout_lookback_hours: lookback(2),
    momentum_lookback_hours: lookback(1),
    atr: z.strictObject({
      period: lookback(2),
      min_pct: num(0, 100),
      max_pct: num(0, 1000),
    }),
    by_regime: z.strictObject({
      bull: regimeThresholds,
      chop: regimeThresholds,
      bear: regimeThresholds,
      crash: regimeThresholds,
    }),
  }),
  strategies: strategiesSchema,
});

export type Signals = z.infer<typeof signalsSchema>;
export type RegimeThresholds = z.infer<typeof regimeThresholds>;
