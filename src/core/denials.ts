/**
 * Why the risk stage, the order planner or a pre-trade control said no: a closed set of codes,
 * carried as data and rendered `CODE: key=value, key=value` only at the edge (audit record, log).
 */

/** The codes only order sizing and the pre-trade controls give (orders refused, not proposals), in the order they run. */
export const ORDER_DENIAL_CODES = [
  // order sizing
  'MIN_QUANTITY',
  'NO_MARKET_PRICE',
  // pre-trade controls
  'PRICE_COLLAR',
  'MAX_ORDER_NOTIONAL',
  'MAX_ORDER_QUANTITY',
  'ORDERS_PER_MINUTE',
  'DUPLICATE_ORDER',
] as const;

/** Every denial code, in the order the checks run (global, per entry, sizing, pre-trade). */
export const DENIAL_CODES = [
  // global: block every entry this cycle
  'KILL_SWITCH',
  'TRADING_HALTED', // state is HALTED (latched) although the kill switch input is clear
  'DAILY_STOP',
  'WEEKLY_STOP',
  'MAX_DRAWDOWN',
  'RECONCILE_DIFFERENCE', // LIVE: the venue disagreed with the book about money; REDUCING until `resume`
  // per entry proposal
  'PRODUCT_NOT_TRADABLE',
  'TRADES_PER_HOUR',
  'TRADES_PER_DAY',
  'TRADE_SPACING',
  'SYMBOL_COOLDOWN',
  'LOSS_COOLDOWN',
  'MAX_OPEN_POSITIONS',
  'NEW_POSITIONS_PER_CYCLE',
  'TOTAL_AT_RISK',
  'PER_ASSET_CAP',
  'PER_CLUSTER_CAP',
  'STRATEGY_BUDGET',
  'MIN_NOTIONAL',
  ...ORDER_DENIAL_CODES,
] as const;

/** One of the closed set of reasons a proposal or order was refused. */
export type DenialCode = (typeof DENIAL_CODES)[number];

/** A refusal as data: the code plus the numbers that explain it (limit, value, …). */
export type Denial = { code: DenialCode; [key: string]: number | string };

/** Builds a denial; the fields are the values a reader needs to see which limit and by how much. */
export const deny = (code: DenialCode, fields: Record<string, number | string> = {}): Denial => ({ ...fields, code });

// Money and percentages read best at 2 decimals; prices and quantities of tiny
// coins (PEPE at 0.00001) need their significant digits kept instead.
const TWO_DECIMALS = /(_pct|_usd|_bps)$/;

function renderValue(key: string, v: number | string): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (TWO_DECIMALS.test(key)) return v.toFixed(2);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(8)));
}

/** `CODE: key=value, key=value` (just `CODE` when there are no fields), for records and logs. */
export function renderDenial(d: Denial): string {
  const parts = Object.entries(d)
    .filter(([k]) => k !== 'code')
    .map(([k, v]) => `${k}=${renderValue(k, v)}`);
  return parts.length === 0 ? d.code : `${d.code}: ${parts.join(', ')}`;
}

/**
 * USD rounded down to whole cents, for "below the minimum" denials: 9.9996 must not render as 10.00
 * next to min_usd=10.00.
 */
export const floorCents = (usd: number): number => Math.floor(usd * 100 + 1e-9) / 100;

const CODE_SET: ReadonlySet<string> = new Set(DENIAL_CODES);

/** The code a rendered denial starts with, e.g. for a cycle's no_trade_reason; undefined if none. */
export function denialCodeOf(rendered: string): DenialCode | undefined {
  const head = /^[A-Z_]+/.exec(rendered)?.[0];
  return head !== undefined && CODE_SET.has(head) ? (head as DenialCode) : undefined;
}
