/** The price and fee a PAPER order fills at: pure, so the numbers can be checked by hand. */
import type { PlannedOrder } from '../core/types.ts';
import type { Policy } from '../config/schema/policy.ts';
import type { Product } from '../exchange/types.ts';
import type { ExecutionDenial } from './types.ts';

/** A simulated fill's numbers. */
export interface PaperQuote {
  price: number;
  notionalUsd: number; // quantity × price
  feeUsd: number;
}

/**
 * Buys fill at the ask, sells at the bid, each worsened by `paper_slippage_bps`, whatever the limit
 * price: paper results should be no better than what the book offered. Post-only limits pay the
 * maker fee, everything else the taker fee, on the filled notional.
 */
export function paperQuote(
  o: PlannedOrder,
  product: Product | undefined,
  exec: Policy['execution'],
): PaperQuote | ExecutionDenial {
  if (!(Number.isFinite(o.quantity) && o.quantity > 0)) return { code: 'bad_quantity', detail: { quantity: o.quantity } };
  if (!product) return { code: 'product_missing', detail: { symbol: o.symbol } };
  const { bid, ask } = product;
  if (!(Number.isFinite(bid) && Number.isFinite(ask) && bid > 0 && ask > 0 && bid <= ask)) {
    return { code: 'bad_price', detail: { symbol: o.symbol, bid, ask } };
  }
  const slip = exec.paper_slippage_bps / 10_000;
  const price = o.side === 'buy' ? ask * (1 + slip) : bid * (1 - slip);
  const notionalUsd = o.quantity * price;
  const feeBps = o.type === 'limit' && o.postOnly ? exec.maker_fee_bps : exec.taker_fee_bps;
  return { price, notionalUsd, feeUsd: (notionalUsd * feeBps) / 10_000 };
}

/** Tells a denial from a quote. */
export const isDenial = (q: PaperQuote | ExecutionDenial): q is ExecutionDenial => 'code' in q;
