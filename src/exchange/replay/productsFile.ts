/**
 * A products file: the venue's trading rules per symbol, so a backtest need not derive them from
 * prices. CSV with a header (case-insensitive, any column order, unknown columns ignored):
 *
 *     symbol,price_increment,base_increment,min_base_qty,min_notional_usd
 *     BTC-USD,0.01,0.00000001,0.00000001,1
 *
 * `symbol`, `price_increment` and `base_increment` are required (positive numbers); `min_base_qty`
 * defaults to the base increment, `min_notional_usd` to 1. Blank lines and lines starting with `#`
 * are skipped. A bad file stops the load with the file, line and column (exit 2).
 */
import { readFileSync } from 'node:fs';
import { CandleDataError } from './errors.ts';
import type { ProductRules } from './products.ts';

/** Fixed rules of one symbol from a products file. */
export interface GivenRules extends ProductRules {
  minBaseQty: number;
  minNotionalUsd: number;
}

/** Reads a products file: symbol → its rules. */
export function readProductsFile(file: string): Map<string, GivenRules> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CandleDataError(`${file}: cannot read products file: ${(e as Error).message}`, { cause: e });
  }
  const lines = text.split(/\r?\n/);
  const headAt = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (headAt < 0) throw new CandleDataError(`${file}: products file is empty`);
  const head = lines[headAt]!.split(',').map((h) => h.trim().toLowerCase());
  const col = (name: string) => head.indexOf(name);
  for (const need of ['symbol', 'price_increment', 'base_increment']) {
    if (col(need) < 0) throw new CandleDataError(`${file}:${headAt + 1}: products file header lacks "${need}" (symbol,price_increment,base_increment[,min_base_qty,min_notional_usd])`);
  }
  const out = new Map<string, GivenRules>();
  for (let i = headAt + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    const num = (name: string, fallback?: number): number => {
      const at = col(name);
      const raw = at < 0 ? '' : (cells[at] ?? '');
      if (raw === '' && fallback !== undefined) return fallback;
      const v = Number(raw);
      if (!(raw !== '' && Number.isFinite(v) && v > 0)) throw new CandleDataError(`${file}:${i + 1}: ${name}: expected a positive number, got "${raw}"`);
      return v;
    };
    const symbol = (cells[col('symbol')] ?? '').toUpperCase().replace(/[/_]/, '-');
    const [base, quote] = symbol.split('-');
    if (!base || !quote) throw new CandleDataError(`${file}:${i + 1}: symbol: expected BASE-QUOTE, got "${cells[col('symbol')] ?? ''}"`);
    const baseIncrement = num('base_increment');
    out.set(symbol, { symbol, base, quote, priceIncrement: num('price_increment'), baseIncrement, minBaseQty: num('min_base_qty', baseIncrement), minNotionalUsd: num('min_notional_usd', 1) });
  }
  return out;
}
