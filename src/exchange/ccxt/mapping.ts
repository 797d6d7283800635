/** Pure conversions between ccxt's unified structures and ours (Product, OrderInfo, Balance). */
import type { Balance, OrderInfo, OrderStatus, Product, ProductStatus, Side } from '../types.ts';

/** The parts of a ccxt market we read (ccxt's own type is wide and loose). */
export interface CcxtMarketLike {
  id: string;
  symbol: string;
  base: string;
  quote: string;
  spot?: boolean;
  type?: string;
  active?: boolean | undefined;
  precision: { amount?: number | undefined; price?: number | undefined };
  limits: { amount?: { min?: number | undefined }; cost?: { min?: number | undefined } };
  info?: Record<string, unknown>;
}

/** The parts of a ccxt ticker we read. */
export interface CcxtTickerLike {
  last?: number | undefined;
  bid?: number | undefined;
  ask?: number | undefined;
  baseVolume?: number | undefined;
  quoteVolume?: number | undefined;
  info?: Record<string, unknown>;
}

/** The parts of a ccxt order we read. */
export interface CcxtOrderLike {
  id: string;
  clientOrderId?: string | undefined;
  symbol?: string | undefined;
  side?: string | undefined;
  status?: string | undefined;
  amount?: number | undefined;
  filled?: number | undefined;
  average?: number | undefined;
  price?: number | undefined;
  timestamp?: number | undefined;
  fee?: { cost?: number | undefined; currency?: string | undefined } | undefined;
  info?: Record<string, unknown>;
}

/** Our symbol for a market: BASE-QUOTE (Coinbase's product id format). */
export function ourSymbol(m: { base: string; quote: string }): string {
  return `${m.base}-${m.quote}`;
}

/** ccxt's unified symbol for ours: BTC-USD -> BTC/USD. */
export function ccxtSymbol(symbol: string): string {
  const i = symbol.indexOf('-');
  return i < 0 ? symbol : `${symbol.slice(0, i)}/${symbol.slice(i + 1)}`;
}

/** Is this market one we trade: a spot market quoted in USD? */
export function isUsdSpot(m: CcxtMarketLike): boolean {
  return (m.spot === true || m.type === 'spot') && m.quote === 'USD';
}

/**
 * Trading status from the venue's flags. The freshest flags win (the ticker's `info` on Coinbase is the
 * same product record as the market's), and the most restrictive flag wins: disabled > cancel-only >
 * post-only > limit-only.
 */
export function productStatus(m: CcxtMarketLike, fresh?: Record<string, unknown>): ProductStatus {
  const info = { ...(m.info ?? {}), ...(fresh ?? {}) };
  const flag = (k: string) => info[k] === true || info[k] === 'true';
  const status = typeof info.status === 'string' ? info.status.toLowerCase() : undefined;
  if (m.active === false || flag('trading_disabled') || flag('is_disabled') || flag('view_only')) return 'offline';
  if (status !== undefined && status !== 'online') return 'offline';
  if (flag('cancel_only')) return 'cancel_only';
  if (flag('post_only')) return 'post_only';
  if (flag('limit_only')) return 'limit_only';
  return 'online';
}

/** A Product from a market (rules) and its ticker and best bid/ask (prices). */
export function toProduct(m: CcxtMarketLike, t: CcxtTickerLike | undefined, book: { bid?: number; ask?: number } | undefined): Product {
  const price = num(t?.last) ?? num(t?.info?.price) ?? NaN;
  const bid = num(book?.bid) ?? num(t?.bid) ?? price;
  const ask = num(book?.ask) ?? num(t?.ask) ?? price;
  const quoteVol = num(t?.quoteVolume) ?? num(t?.info?.approximate_quote_24h_volume);
  const baseVol = num(t?.baseVolume);
  return {
    symbol: ourSymbol(m),
    base: m.base,
    quote: m.quote,
    price,
    bid,
    ask,
    volume24hUsd: quoteVol ?? (baseVol !== undefined && Number.isFinite(price) ? baseVol * price : 0),
    status: productStatus(m, t?.info),
    // ccxt's TICK_SIZE precision mode gives the increments themselves.
    baseIncrement: num(m.precision.amount) ?? NaN,
    priceIncrement: num(m.precision.price) ?? NaN,
    minBaseQty: num(m.limits.amount?.min) ?? 0,
    minNotionalUsd: num(m.limits.cost?.min) ?? 0,
  };
}

/**
 * Our order status. The venue's raw status is read first because ccxt folds Coinbase's FAILED and
 * EXPIRED into "canceled", which would hide a rejection.
 */
export function orderStatus(o: CcxtOrderLike): OrderStatus {
  const raw = typeof o.info?.status === 'string' ? o.info.status.toUpperCase() : undefined;
  const filled = num(o.filled) ?? 0;
  switch (raw) {
    case 'FAILED':
    case 'REJECTED':
      return 'rejected';
    case 'EXPIRED':
      return 'expired';
    case 'CANCELLED':
    case 'CANCELED':
      return 'cancelled';
    case 'FILLED':
      return 'filled';
    case 'OPEN':
    case 'PENDING':
    case 'QUEUED':
    case 'CANCEL_QUEUED':
      return filled > 0 ? 'partially_filled' : 'open';
  }
  switch (o.status) {
    case 'closed':
      return 'filled';
    case 'canceled':
    case 'cancelled':
      return 'cancelled';
    case 'expired':
      return 'expired';
    case 'rejected':
      return 'rejected';
    default:
      return filled > 0 ? 'partially_filled' : 'open';
  }
}

/** Our OrderInfo from a ccxt order; `fallback` fills what a terse answer (Coinbase's create response) leaves out. */
export function toOrderInfo(o: CcxtOrderLike, fallback: Partial<OrderInfo> = {}): OrderInfo {
  const sym = o.symbol ? o.symbol.replace('/', '-') : fallback.symbol ?? '';
  const side = (o.side === 'buy' || o.side === 'sell' ? o.side : fallback.side ?? 'buy') as Side;
  const feeCost = num(o.fee?.cost) ?? num(o.info?.total_fees) ?? 0;
  return {
    clientOrderId: o.clientOrderId ?? fallback.clientOrderId ?? '',
    exchangeOrderId: o.id,
    symbol: sym,
    side,
    status: orderStatus(o),
    quantity: num(o.amount) ?? fallback.quantity ?? 0,
    filledQty: num(o.filled) ?? 0,
    avgFillPrice: num(o.average) ?? 0,
    // Fees on USD-quoted spot are charged in USD.
    feeUsd: feeCost,
    createdAt: num(o.timestamp) ?? fallback.createdAt ?? 0,
    ...(o.info?.trigger_status === 'STOP_TRIGGERED' && { triggered: true }),
  };
}

/** Non-zero balances as our Balance rows. */
export function toBalances(b: { total?: Record<string, number | undefined>; free?: Record<string, number | undefined> }): Balance[] {
  const out: Balance[] = [];
  for (const [asset, total] of Object.entries(b.total ?? {})) {
    const t = num(total) ?? 0;
    if (t === 0) continue;
    out.push({ asset, total: t, free: num(b.free?.[asset]) ?? t });
  }
  return out.sort((a, b) => a.asset.localeCompare(b.asset));
}

/** Non-zero balances from Coinbase v3 account rows (several wallets may hold one currency): free = available, total = available + hold. */
export function accountsToBalances(accounts: readonly Record<string, unknown>[]): Balance[] {
  const free: Record<string, number> = {};
  const total: Record<string, number> = {};
  for (const a of accounts) {
    const avail = a.available_balance as { value?: unknown; currency?: unknown } | undefined;
    const hold = a.hold as { value?: unknown } | undefined;
    const c = typeof a.currency === 'string' ? a.currency : typeof avail?.currency === 'string' ? avail.currency : undefined;
    if (!c) continue;
    const f = num(avail?.value) ?? 0;
    free[c] = (free[c] ?? 0) + f;
    total[c] = (total[c] ?? 0) + f + (num(hold?.value) ?? 0);
  }
  return toBalances({ total, free });
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
