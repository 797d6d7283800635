import { z } from 'zod';
import { bool, int, num, oneOf, path, pct } from './fields.ts';

/** policy.yaml: risk caps, exits, sizing, liquidity, market data checks, execution, pre-trade controls, governance. */
export const policySchema = z.strictObject({
  risk: z.strictObject({
    max_total_at_risk_pct: pct(),
    max_per_asset_pct: pct(),
    max_per_cluster_pct: pct(),
    max_open_positions: int(1, 1000),
    max_new_positions_per_cycle: int(0, 100),
    daily_stop_loss_pct: pct(),
    weekly_stop_loss_pct: pct(),
    max_drawdown_pct: pct(),
    max_drawdown_window_days: int(0, 3650),
    max_trades_per_hour: int(0, 10_000),
    max_trades_per_day: int(0, 100_000),
    min_seconds_between_trades: int(0, 86_400),
    per_symbol_cooldown_minutes: int(0, 100_000),
    after_loss_cooldown_minutes: int(0, 100_000),
  }),
  exits: z.strictObject({
    stop_loss_pct: num(0.01, 100),
    take_profit_pct: num(0.01, 10_000),
    max_hold_hours: num(0.01, 100_000),
  }),
  sizing: z.strictObject({
    tier_1_pct: pct(),
    tier_2_pct: pct(),
    tier_3_pct: pct(),
    min_notional_usd: num(0, 1e9),
    /** DRY_RUN, PAPER and backtests only: LIVE takes its cash from the venue's account. */
    starting_cash_usd: num(0, 1e12),
    /** LIVE: the currencies whose available balance is cash (default USD only). */
    live_cash_currencies: z.array(oneOf(['USD', 'USDC'])).min(1).optional(),
  }),
  liquidity: z.strictObject({
    min_24h_volume_usd: num(0, 1e15),
    max_spread_bps: num(0, 10_000),
  }),
  market_data: z.strictObject({
    max_price_disagreement_pct: num(0.1, 1000),
  }),
  execution: z.strictObject({
    order_type: oneOf(['limit_post_only', 'limit', 'market']),
    limit_offset_bps: num(0, 1000),
    maker_fee_bps: num(0, 1000),
    taker_fee_bps: num(0, 1000),
    paper_slippage_bps: num(0, 1000),
    order_ttl_seconds: int(1, 604_800),
    cancel_open_orders_on_shutdown: bool(),
    /** LIVE: after an entry fills, a stop-limit sell for the position is placed on the venue (docs/going-live.md, "Venue-held stops"). */
    venue_stop_loss: bool(),
    /** How far below its stop price the venue stop's limit sits, in % of the stop price. */
    venue_stop_limit_offset_pct: num(0.01, 50),
  }),
  fills: z.strictObject({
    max_volume_share_pct: num(0.01, 100),
  }),
  pretrade: z.strictObject({
    price_collar_pct: num(0.01, 100),
    max_order_notional_usd: num(0, 1e12),
    max_order_quantity: num(0, 1e15),
    max_orders_per_minute: int(1, 10_000),
    duplicate_window_seconds: int(0, 86_400),
  }),
  governance: z.strictObject({
    live_trading_enabled: bool(),
    kill_switch_file: path(),
    exits_when_halted: bool(),
  }),
});

export type Policy = z.infer<typeof policySchema>;
