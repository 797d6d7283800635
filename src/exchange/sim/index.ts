// src/exchange/sim/: the embedded simulated market, deterministic for a seed and a start time.
// Must not: read the wall clock or any file; time comes only from the injected clock.
/** The embedded simulated market (the daemon's default exchange). */
export { createSimExchange, SIM_DEFAULT_START, SIM_HISTORY_DAYS, SIM_RETAIN_DAYS } from './market.ts';
export type { SimExchange, SimExchangeOptions } from './market.ts';
export type { SimRegime } from './regime.ts';
export { BUILT_IN_SPECS, type SymbolSpec } from './universe.ts';
