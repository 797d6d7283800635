/**
 * The fake Coinbase's products for the shipped 26-symbol universe (config/universe.yaml tiers): every
 * one liquid enough for its tier (1 billion USD a day) with a spread inside its tier's limit, so the
 * daemon reads candles for all of them, as it would on the real venue.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { fakeProduct, type FakeProduct } from './fakeCoinbase.ts';

/** One fake product per symbol of `configDir`/universe.yaml's tiers: price 10 · (k + 1), spread 2 bps, 1e9 USD of 24h volume. */
export function universeProducts(configDir: string): FakeProduct[] {
  const u = load(readFileSync(join(configDir, 'universe.yaml'), 'utf8')) as { tiers: Record<string, { symbols: string[] }> };
  const symbols = [...new Set(Object.values(u.tiers).flatMap((t) => t.symbols))].sort();
  return symbols.map((s, k) => {
    const price = 10 * (k + 1);
    return fakeProduct(s, price, price * 0.0002, { volume_24h: 1e9 / price, price_increment: '0.0001', base_increment: '0.00000001' });
  });
}
