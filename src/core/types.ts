// src/core/: the cycle's stages as plain functions over plain data, and their types (risk checks in risk/).
// Must not: do I/O — no files, network, clock, randomness or logging; everything comes in as arguments.
/** Plain data passed between the cycle's stages. Stages are pure functions over these. */
import type { TierName } from '../config/schema/universe.ts';
import type { Bar, Product, Side } from '../exchange/types.ts';
import type { Bars } from '../exchange/bars.ts';

export type { TierName };

/** Everything the stages may know about the market this cycle, fetched once by the loop. */
export interface MarketSnapshot {
  now: number; // ms UTC
  products: readonly Product[];
  /**
   * Closed bars per symbol, oldest first, in columns (bars.ts; only for symbols the loop fetched);
   * `last`: the latest closed bar of the market's own finer timeframe (a replay of 1m/5m data), the
   * freshest bar there is.
   */
  candles: Readonly<Record<string, { m15: Bars; h1: Bars; last?: Bar }>>;
}

// ---- universe ----------------------------------------------------------------

export type ExclusionReason =
  | 'never_trade'
  | 'not_listed' // configured in a tier but the exchange does not list it
  | 'not_online' // status other than online (cancel_only, offline, …)
  | 'temporary_ban'
  | 'low_volume'
  | 'wide_spread'
  | 'bad_price' // NaN, zero or negative, bid > ask
  | 'duplicate_listing' // listed twice with different books (book check, after the candles)
  | 'price_mismatch'; // book and candles disagree by more than market_data.max_price_disagreement_pct

export interface UniverseAsset {
  symbol: string;
  tier: TierName;
  cluster?: string;
  product: Product;
}

export interface UniverseResult {
  assets: UniverseAsset[]; // eligible, tier 1 first, then by symbol
  byTier: Record<TierName, string[]>;
  excluded: { symbol: string; reason: ExclusionReason; detail?: string }[];
  totalEligible: number;
}

// ---- triggers ----------------------------------------------------------------

export type Regime = 'bull' | 'chop' | 'bear' | 'crash';
export type TriggerType = 'price_move' | 'volume_spike' | 'breakout' | 'momentum';

export interface Trigger {
  symbol: string;
  type: TriggerType;
  direction: 'up' | 'down';
  strength: number; // 0..1, how far past the threshold
  confidence: number; // 0..1, how clean the data and signal are
  price: number; // last close used
  metrics: Record<string, number>; // the numbers behind it (move_15m_pct, volume_ratio, atr_pct, …)
}

export interface TriggerResult {
  regime: Regime;
  triggers: Trigger[]; // sorted by strength desc, capped at max_per_cycle
  skipped: { symbol: string; reason: string }[]; // ATR filter, not enough data, bad candles
}

// ---- portfolio (read model the stages see; owned by the StateStore) ----------

export interface Position {
  symbol: string;
  quantity: number; // base units
  avgEntryPrice: number;
  entryTime: number; // ms
  tier: TierName;
  cluster?: string;
  stopLossPrice: number;
  takeProfitPrice: number;
  maxHoldUntil: number; // ms
}

export interface PortfolioView {
  now: number;
  cashUsd: number;
  positions: Position[];
  /** Position value at current marks, by symbol. */
  marksUsd: Record<string, number>;
  equityUsd: number; // cash + marked positions
  highWaterMarkUsd: number;
  /** The peak MAX_DRAWDOWN measures from (risk.max_drawdown_window_days); absent: the high-water mark. */
  drawdownPeakUsd?: number;
  dailyPnlUsd: number; // realized + unrealized change since 00:00 UTC
  weeklyPnlUsd: number; // since Monday 00:00 UTC
  consecutiveLosses: number;
  /** Entry fills (and sent orders) in time order, for frequency and spacing checks. */
  recentTrades: { symbol: string; side: Side; ts: number }[];
  /** Symbol -> ms until which new entries are blocked, with why. */
  cooldowns: Record<string, { until: number; reason: 'per_symbol' | 'after_loss' }>;
}

// ---- proposals ---------------------------------------------------------------

export interface Proposal {
  symbol: string;
  side: Side;
  intent: 'entry' | 'exit';
  tier: TierName;
  cluster?: string;
  /** Entries: USD to spend. Exits: value of `quantity` at the current price. */
  notionalUsd: number;
  /** Exits: base quantity to sell (the whole position). */
  quantity?: number;
  conviction: number; // 0..1
  reason: string; // e.g. "breakout+volume_spike" or "stop_loss"
  stopLossPct?: number;
  takeProfitPct?: number;
  maxHoldHours?: number;
  strategy: 'rules' | 'exit';
}

export interface ProposalResult {
  proposals: Proposal[];
  /** symbol -> why no proposal was made from its triggers. */
  rejections: Record<string, string[]>;
}

// ---- risk ---------------------------------------------------------------------

export interface RiskResult {
  approved: Proposal[]; // possibly resized
  /** Denials that blocked all entries this cycle, rendered `CODE: k=v, …`. */
  violations: string[];
  /** symbol -> denials for that proposal, rendered. */
  rejections: Record<string, string[]>;
  trading: TradingState;
}

/** ACTIVE: everything allowed. REDUCING: only exits. HALTED: nothing but cancels. */
export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED';

// ---- orders ------------------------------------------------------------------

export interface PlannedOrder {
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: 'limit' | 'market';
  postOnly: boolean;
  quantity: number; // rounded to the product's base increment
  limitPrice?: number; // rounded to the price tick
  notionalUsd: number; // quantity * (limit or reference price)
  intent: 'entry' | 'exit';
  reason: string;
  /** The proposal's conviction (0..1) that sized the order; exits carry theirs too. */
  conviction?: number;
  tier: TierName;
  cluster?: string;
  stopLossPct?: number;
  takeProfitPct?: number;
  maxHoldHours?: number;
}

/** What the executor did with a planned order; lands in the audit record's orders[]. */
export interface OrderOutcome {
  client_order_id: string;
  symbol: string;
  side: Side;
  intent: 'entry' | 'exit';
  /** Base units: ordered, or (fills, expiries) filled/unfilled in this cycle. */
  quantity: number;
  price: number | null;
  size_usd: number;
  status: 'recorded' | 'filled' | 'partially_filled' | 'open' | 'rejected' | 'unknown' | 'cancelled';
  order_id: string | null;
  success: boolean;
  fee_usd: number;
  error: string | null;
  /** Why the order was made: the entry's triggers, or the exit's reason (stop_loss, take_profit, max_hold). */
  reason?: string;
}
