// src/exchange/replay/: candle files served as a market at a virtual clock's time (backtests).
// Must not: take orders or read the wall clock.
/**
 * The replay exchange: candles from CSV/JSONL files, served at a virtual clock's time (backtests).
 * Formats and derivation rules: README.md beside this file.
 */
import { readCandleFiles } from './read.ts';
import { buildReplayData, type ReplayData } from './series.ts';

export { createReplayExchange, type ReplayExchange, type ReplayExchangeOptions } from './market.ts';
export { CandleDataError, type SkippedRows } from './errors.ts';
export { buildReplayData, intervalLabel, type ReplayData, type SymbolSeries } from './series.ts';
export { readCandleFiles, candleFiles } from './read.ts';
export { spreadFromVolume } from './products.ts';
export { splitHour } from './timeframes.ts';
export { writeCandleCsv, CSV_HEADER } from './write.ts';

/** Reads, checks and indexes the candle files at `path` (a file or a directory of them). */
export function loadReplayData(path: string, opts: { skipBadRows?: boolean } = {}): ReplayData {
  return buildReplayData(readCandleFiles(path, opts));
}
