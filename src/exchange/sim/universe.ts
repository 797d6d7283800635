/**
 * The simulated listing: which pairs exist and how each behaves (price level, liquidity, spread,
 * beta to the market, own volatility, how often it breaks out). Numbers are late-2025 Coinbase-like.
 */
import type { ProductStatus } from '../types.ts';
import { hashSeed, Rng } from './rng.ts';

/** Everything the sim needs to know about one pair; fixed for the life of the market. */
export interface SymbolSpec {
  symbol: string;
  base: string;
  /** Price the path starts from and slowly reverts to (USD). */
  refPrice: number;
  /** Typical 24h USD volume; the live figure wanders around it with activity and regime. */
  volume24hUsd: number;
  /** Typical bid/ask spread in basis points of the mid (never less than one price tick). */
  spreadBps: number;
  /** Sensitivity to the market factor (BTC = 1). */
  beta: number;
  /** Daily standard deviation of the symbol's own (idiosyncratic) log return. */
  idioVolDaily: number;
  priceIncrement: number;
  baseIncrement: number;
  minBaseQty: number;
  minNotionalUsd: number;
  /** Expected breakouts (a fast jump with raised volume) per day. */
  breakoutsPerDay: number;
  /** Expected volume-only spikes per day. */
  spikesPerDay: number;
  /** Scales breakout size; majors move less than memes. */
  jumpScale: number;
  status: ProductStatus;
  /** Pegged to 1 USD: no beta, no events, strong pull back to the peg. */
  stable: boolean;
}

type Row = [
  symbol: string,
  refPrice: number,
  volume24hUsd: number,
  spreadBps: number,
  beta: number,
  idioVolDaily: number,
  priceIncrement: number,
  baseIncrement: number,
  breakoutsPerDay: number,
  jumpScale: number,
];

// Every symbol named in config/universe.yaml tiers, plus two stablecoins it never trades.
// RNDR-USD is listed cancel_only (the token migrated to RENDER), so the universe stage always has
// one configured symbol to exclude as not_online.
const ROWS: readonly Row[] = [
  // tier 1
  ['BTC-USD', 92_000, 1.4e9, 0.8, 1.0, 0.006, 0.01, 1e-8, 0.04, 0.5],
  ['ETH-USD', 3_200, 7.5e8, 1.2, 1.15, 0.012, 0.01, 1e-8, 0.06, 0.7],
  ['SOL-USD', 150, 3.2e8, 2.5, 1.35, 0.02, 0.01, 1e-8, 0.12, 1.0],
  ['XRP-USD', 2.2, 2.6e8, 3, 1.2, 0.022, 0.0001, 1e-6, 0.12, 1.0],
  // tier 2
  ['ADA-USD', 0.65, 6.5e7, 6, 1.3, 0.022, 0.0001, 1e-8, 0.12, 1.0],
  ['AVAX-USD', 22.5, 4.5e7, 7, 1.4, 0.026, 0.01, 1e-8, 0.15, 1.0],
  ['DOGE-USD', 0.17, 1.1e8, 5, 1.5, 0.03, 0.00001, 0.1, 0.18, 1.2],
  ['LINK-USD', 15.2, 5.5e7, 6, 1.3, 0.022, 0.001, 0.01, 0.12, 1.0],
  ['DOT-USD', 3.4, 3e7, 10, 1.3, 0.024, 0.001, 1e-8, 0.12, 1.0],
  ['LTC-USD', 88, 5e7, 8, 1.1, 0.018, 0.01, 1e-8, 0.09, 0.8],
  ['BCH-USD', 470, 3.2e7, 10, 1.1, 0.02, 0.01, 1e-8, 0.09, 0.8],
  ['NEAR-USD', 2.7, 3e7, 12, 1.45, 0.028, 0.001, 0.001, 0.15, 1.1],
  ['UNI-USD', 7.4, 2.8e7, 12, 1.35, 0.026, 0.001, 0.001, 0.15, 1.1],
  ['AAVE-USD', 215, 3.5e7, 10, 1.35, 0.026, 0.01, 0.001, 0.15, 1.1],
  // tier 3
  ['ATOM-USD', 4.2, 1.2e7, 15, 1.3, 0.025, 0.001, 0.01, 0.15, 1.1],
  ['ARB-USD', 0.32, 1.4e7, 18, 1.5, 0.03, 0.0001, 0.01, 0.18, 1.2],
  ['OP-USD', 0.55, 1.3e7, 18, 1.5, 0.03, 0.0001, 0.01, 0.18, 1.2],
  ['APT-USD', 4.6, 1e7, 16, 1.45, 0.03, 0.001, 0.001, 0.18, 1.2],
  ['SUI-USD', 2.6, 4e7, 10, 1.6, 0.034, 0.0001, 0.1, 0.2, 1.3],
  ['INJ-USD', 9.1, 8e6, 20, 1.55, 0.032, 0.001, 0.001, 0.18, 1.3],
  ['FIL-USD', 2.1, 9e6, 18, 1.35, 0.027, 0.001, 0.001, 0.15, 1.1],
  ['HBAR-USD', 0.18, 1.8e7, 15, 1.35, 0.028, 0.00001, 0.01, 0.15, 1.1],
  ['PEPE-USD', 0.0000065, 4.5e7, 20, 1.8, 0.045, 1e-8, 1, 0.25, 1.6],
  ['SHIB-USD', 0.0000095, 2.5e7, 14, 1.5, 0.03, 1e-8, 1, 0.18, 1.3],
  ['BONK-USD', 0.000014, 1.6e7, 18, 1.9, 0.05, 1e-8, 1, 0.28, 1.7],
  ['RNDR-USD', 2.5, 6e6, 25, 1.5, 0.03, 0.001, 0.01, 0.18, 1.2],
  ['TIA-USD', 1.6, 6.5e6, 22, 1.6, 0.035, 0.0001, 0.01, 0.2, 1.3],
  // stablecoins (universe.yaml never_trade)
  ['USDT-USD', 1.0002, 3e8, 1, 0, 0.0004, 0.00001, 0.01, 0, 0],
  ['USDC-USD', 1.0, 2e8, 1, 0, 0.0003, 0.00001, 0.01, 0, 0],
];

const CANCEL_ONLY = new Set(['RNDR-USD']);

function fromRow(r: Row): SymbolSpec {
  const [symbol, refPrice, volume24hUsd, spreadBps, beta, idioVolDaily, priceIncrement, baseIncrement, breakoutsPerDay, jumpScale] = r;
  const stable = beta === 0;
  return {
    symbol,
    base: symbol.split('-')[0]!,
    refPrice,
    volume24hUsd,
    spreadBps,
    beta,
    idioVolDaily,
    priceIncrement,
    baseIncrement,
    minBaseQty: baseIncrement,
    minNotionalUsd: 1,
    breakoutsPerDay,
    spikesPerDay: stable ? 0 : 0.4,
    jumpScale,
    status: CANCEL_ONLY.has(symbol) ? 'cancel_only' : 'online',
    stable,
  };
}

/** The built-in pairs, in listing order. */
export const BUILT_IN_SPECS: readonly SymbolSpec[] = Object.freeze(ROWS.map((r) => Object.freeze(fromRow(r))));

const BUILT_IN = new Map(BUILT_IN_SPECS.map((s) => [s.symbol, s]));

const pow10 = (x: number): number => 10 ** Math.floor(Math.log10(x));

/**
 * A plausible mid/small-cap alt for a symbol the built-in list does not have (benchmarks ask for
 * hundreds). Its traits come from the symbol's name only, so a name always behaves the same.
 */
export function syntheticSpec(symbol: string): SymbolSpec {
  const rng = new Rng(hashSeed('sim-synthetic', symbol));
  const logUniform = (lo: number, hi: number) => lo * (hi / lo) ** rng.next();
  const refPrice = logUniform(0.001, 500);
  const volume24hUsd = logUniform(3e6, 2e8);
  // Thinner books quote wider.
  const spreadBps = Math.min(60, Math.max(3, 20 * (2e7 / volume24hUsd) ** 0.4));
  const priceIncrement = Math.max(1e-8, pow10(refPrice) / 1e4);
  const baseIncrement = Math.min(1, Math.max(1e-8, pow10(0.001 / refPrice)));
  return {
    symbol,
    base: symbol.split('-')[0]!,
    refPrice,
    volume24hUsd,
    spreadBps,
    beta: 1.1 + 0.7 * rng.next(),
    idioVolDaily: 0.02 + 0.025 * rng.next(),
    priceIncrement,
    baseIncrement,
    minBaseQty: baseIncrement,
    minNotionalUsd: 1,
    breakoutsPerDay: 0.18,
    spikesPerDay: 0.4,
    jumpScale: 1 + 0.5 * rng.next(),
    status: 'online',
    stable: false,
  };
}

const SYMBOL_RE = /^[A-Z0-9]{2,12}-USD$/;

/**
 * The pairs a market lists: `symbols` (built-in specs where known, synthetic otherwise) or the whole
 * built-in list, then `extraSymbols` synthetic pairs SYN001-USD, SYN002-USD, … (for benchmarks).
 */
export function resolveSpecs(symbols: readonly string[] | undefined, extraSymbols = 0): SymbolSpec[] {
  const out: SymbolSpec[] = [];
  const seen = new Set<string>();
  const add = (spec: SymbolSpec) => {
    if (seen.has(spec.symbol)) throw new Error(`sim: symbol ${spec.symbol} listed twice`);
    seen.add(spec.symbol);
    out.push(spec);
  };
  for (const symbol of symbols ?? BUILT_IN_SPECS.map((s) => s.symbol)) {
    if (!SYMBOL_RE.test(symbol)) throw new Error(`sim: symbol "${symbol}" is not of the form BASE-USD`);
    add(BUILT_IN.get(symbol) ?? syntheticSpec(symbol));
  }
  if (!Number.isInteger(extraSymbols) || extraSymbols < 0) {
    throw new Error(`sim: extraSymbols must be a whole number >= 0, got ${extraSymbols}`);
  }
  for (let i = 1; i <= extraSymbols; i++) add(syntheticSpec(`SYN${String(i).padStart(3, '0')}-USD`));
  return out;
}
