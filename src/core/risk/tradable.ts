/** Whether the exchange accepts an order of this kind on this product right now. */
import type { Product } from '../../exchange/types.ts';
import { deny, type Denial } from '../denials.ts';

/** The three order styles policy.execution.order_type can ask for. */
export type OrderKind = 'limit_post_only' | 'limit' | 'market';

/** PRODUCT_NOT_TRADABLE when the product is missing, halted, or restricted to other order kinds. */
export function tradabilityDenial(symbol: string, product: Product | undefined, kind: OrderKind): Denial | undefined {
  if (product === undefined) return deny('PRODUCT_NOT_TRADABLE', { symbol, status: 'not_listed' });
  const blocked =
    product.status === 'cancel_only' ||
    product.status === 'offline' ||
    (product.status === 'post_only' && kind !== 'limit_post_only') ||
    (product.status === 'limit_only' && kind === 'market');
  return blocked ? deny('PRODUCT_NOT_TRADABLE', { symbol, status: product.status, order_type: kind }) : undefined;
}

/** The proposal's product must accept the order kind policy.execution.order_type will send. Also gates exits. */
export const productTradable = (p: { symbol: string }, ctx: { products: ReadonlyMap<string, Product>; policy: { execution: { order_type: OrderKind } } }) => {
  const d = tradabilityDenial(p.symbol, ctx.products.get(p.symbol), ctx.policy.execution.order_type);
  return d === undefined ? undefined : { deny: d };
};
