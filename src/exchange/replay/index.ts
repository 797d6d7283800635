// src/exchange/replay/: candle files served as a market at a virtual clock's time (backtests).
// Must not: take orders or read the wall clock.
/**
 * The replay exchange: candles from CSV/JSONL files, served at a virtual clock's time (backtests).
 * Formats and derivation rules: README.md beside this file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readProductsFile } from './productsFile.ts';
import { readCandleFiles } from './read.ts';
import { buildReplayData, type ReplayData } from './series.ts';

export { createReplayExchange, type ReplayExchange, type ReplayExchangeOptions } from './market.ts';
export { CandleDataError, type SkippedRows } from './errors.ts';
export { buildReplayData, intervalLabel, type ReplayData, type SymbolSeries } from './series.ts';
export { readCandleFiles, candleFiles } from './read.ts';
export { spreadFromVolume } from './products.ts';
export { splitHour } from './timeframes.ts';
export { writeCandleCsv, CSV_HEADER } from './write.ts';

/**
 * Reads, checks and indexes the candle files at `path` (a file or a directory of them), with the
 * trading rules of a products file when given (its bytes then count in the data hash).
 */
export function loadReplayData(path: string, opts: { skipBadRows?: boolean; productsFile?: string } = {}): ReplayData {
  const data = buildReplayData(readCandleFiles(path, opts));
  if (opts.productsFile === undefined) return data;
  const products = readProductsFile(opts.productsFile);
  const dataHash = createHash('sha256').update(data.dataHash).update('\0products\0').update(readFileSync(opts.productsFile)).digest('hex');
  return { ...data, products, dataHash };
}
