import type { Policy } from '../../src/config/schema/policy.ts';

/**
 * A policy pinned in code for hand-checked stage tests (the shipped policy.yaml values of the
 * first release): editing the YAML must not move the numbers those tests check by hand.
 * `patch` replaces keys within a section, e.g. `{ liquidity: { max_spread_bps: 40 } }`.
 */
export function testPolicy(patch: { [S in keyof Policy]?: Partial<Policy[S]> } = {}): Policy {
  const base: Policy = {
    risk: {
      max_total_at_risk_pct: 15,
      max_per_asset_pct: 5,
      max_per_cluster_pct: 10,
      max_open_positions: 8,
      max_new_positions_per_cycle: 2,
      daily_stop_loss_pct: 3,
      weekly_stop_loss_pct: 7,
      max_drawdown_pct: 10,
      max_drawdown_window_days: 30,
      max_trades_per_hour: 6,
      max_trades_per_day: 24,
      min_seconds_between_trades: 120,
      per_symbol_cooldown_minutes: 60,
      after_loss_cooldown_minutes: 240,
    },
    exits: { stop_loss_pct: 4, take_profit_pct: 8, max_hold_hours: 48 },
    sizing: { tier_1_pct: 2, tier_2_pct: 1.5, tier_3_pct: 1, min_notional_usd: 10, starting_cash_usd: 10_000 },
    liquidity: { min_24h_volume_usd: 5_000_000, max_spread_bps: 50 },
    market_data: { max_price_disagreement_pct: 20 },
    execution: {
      order_type: 'limit_post_only',
      limit_offset_bps: 2,
      maker_fee_bps: 40,
      taker_fee_bps: 60,
      paper_slippage_bps: 5,
      order_ttl_seconds: 300,
      cancel_open_orders_on_shutdown: true,
      venue_stop_loss: true,
      venue_stop_limit_offset_pct: 1,
    },
    fills: { max_volume_share_pct: 10 },
    pretrade: {
      price_collar_pct: 2,
      max_order_notional_usd: 1000,
      max_order_quantity: 1_000_000,
      max_orders_per_minute: 6,
      duplicate_window_seconds: 300,
    },
    governance: { live_trading_enabled: false, kill_switch_file: 'data/KILL_SWITCH', exits_when_halted: true },
  };
  for (const [k, v] of Object.entries(patch)) Object.assign(base[k as keyof Policy], v);
  return base;
}
