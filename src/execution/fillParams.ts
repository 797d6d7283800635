/** The fill model's parameters as the startup record and the backtest report print them. */
import type { Policy } from '../config/schema/policy.ts';

/** policy.yaml's fill-model values (so in the config hash), with the fixed rules named. */
export interface FillModelParams {
  latency: 'next_bar_open_or_next_poll';
  stops: 'intrabar_stop_first';
  slippage_bps: number;
  taker_fee_bps: number;
  maker_fee_bps: number;
  order_ttl_seconds: number;
  max_volume_share_pct: number;
}

/** The parameters a PAPER or BACKTEST run fills by. */
export function fillModelParams(policy: Pick<Policy, 'execution' | 'fills'>): FillModelParams {
  return {
    latency: 'next_bar_open_or_next_poll',
    stops: 'intrabar_stop_first',
    slippage_bps: policy.execution.paper_slippage_bps,
    taker_fee_bps: policy.execution.taker_fee_bps,
    maker_fee_bps: policy.execution.maker_fee_bps,
    order_ttl_seconds: policy.execution.order_ttl_seconds,
    max_volume_share_pct: policy.fills.max_volume_share_pct,
  };
}
