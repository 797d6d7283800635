/** The StateStore's own input and row shapes (the stages' read model is PortfolioView in core/types.ts). */
import type { RunMode } from '../config/schema/app.ts';
import type { TierName } from '../core/types.ts';
import type { Side } from '../exchange/types.ts';

/** Which book a store holds; each has its own database file so they never mix. */
export type StoreMode = RunMode;
export const STORE_MODES: readonly StoreMode[] = ['DRY_RUN', 'PAPER', 'LIVE', 'BACKTEST'];

/** Options for StateStore.open. `startingCashUsd` only seeds a new database; an existing one keeps its cash. */
export interface OpenOptions {
  dir: string;
  mode: StoreMode;
  startingCashUsd: number;
}

/** One execution to book. Cooldown minutes come from policy.risk (the store does not read config). */
export interface FillInput {
  clientOrderId: string;
  symbol: string;
  side: Side;
  quantity: number; // base units, > 0
  price: number; // > 0
  feeUsd: number; // >= 0
  ts: number; // ms UTC
  intent: 'entry' | 'exit';
  tier: TierName;
  cluster?: string;
  /** Applied to the (new) average entry; absent: the position's earlier value, else no stop. */
  stopLossPct?: number;
  takeProfitPct?: number;
  maxHoldHours?: number;
  perSymbolCooldownMin: number;
  afterLossCooldownMin: number;
}

/** A booked fill as stored; `realizedPnlUsd` is null for buys. */
export interface FillRow {
  clientOrderId: string;
  symbol: string;
  side: Side;
  quantity: number;
  price: number;
  feeUsd: number;
  ts: number;
  realizedPnlUsd: number | null;
  intent: 'entry' | 'exit';
}

/** Lifecycle of an order intent, recorded before anything is sent. */
export type IntentStatus = 'pending' | 'sent' | 'unknown' | 'filled' | 'open' | 'cancelled' | 'rejected';
export const INTENT_STATUSES: readonly IntentStatus[] = ['pending', 'sent', 'unknown', 'filled', 'open', 'cancelled', 'rejected'];

/** What recordIntent takes: the order as planned, stamped with the config and cycle that produced it. */
export interface IntentInput {
  clientOrderId: string;
  symbol: string;
  side: Side;
  quantity: number;
  price: number | null; // limit price; null for market orders
  configHash: string;
  cycle: number;
  ts: number; // created_at
  status?: IntentStatus; // default 'pending'
  /** A venue-held stop-limit order's trigger price (`price` is its limit); absent: not a stop. */
  stopPrice?: number | null;
}

/** A stored intent. */
export interface IntentRow {
  clientOrderId: string;
  symbol: string;
  side: Side;
  quantity: number;
  price: number | null;
  configHash: string;
  cycle: number;
  status: IntentStatus;
  createdAt: number;
  updatedAt: number;
  exchangeOrderId: string | null;
  error: string | null;
  /** A venue-held stop-limit order's trigger price; null: not a stop. */
  stopPrice: number | null;
}

/** A status change for an intent; exchangeOrderId and error are kept when omitted. */
export interface IntentUpdate {
  status: IntentStatus;
  ts: number;
  exchangeOrderId?: string | null;
  error?: string | null;
}

/** Why and by whom trading was halted; latched until cleared with setHalt(null). */
export interface HaltInfo {
  reason: string;
  by: string;
  ts: number;
}

/** Cash and positions recomputed from the fills history, beside the stored values (they must agree). */
export interface ReconcileReport {
  startingCashUsd: number;
  cash: number;
  cashFromFills: number;
  /** symbol -> quantity held per the positions table. */
  positions: Record<string, number>;
  /** symbol -> Σ buys − Σ sells per the fills (zero balances omitted). */
  positionsFromFills: Record<string, number>;
  /** Σ realized pnl over all sells. */
  realizedPnlUsd: number;
  /** What the open positions cost: Σ qty × avg entry + entry fees not yet charged to a sale. */
  openCostUsd: number;
}
