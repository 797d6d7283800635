/**
 * Fetches real OHLCV candles with ccxt's fetchOHLCV and writes them in the replay's CSV format,
 * one `<out>/<SYMBOL>.csv` per pair (then: `247trader backtest --data <out>`).
 *
 *   npx tsx scripts/fetch-candles.ts --symbols BTC-USD,ETH-USD --from 2025-01-01 --to 2026-01-01 \
 *     --out data/candles [--exchange coinbase] [--timeframe 1h] [--page 300]
 *
 * Needs a network; uses public market-data endpoints only (no credentials). Pages forward from
 * --from with ccxt's rate limiter on; only closed bars before --to are kept. Never run by the tests.
 * Exit codes: 0 ok, 1 exchange or network failure, 2 bad arguments.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ccxt, { type Exchange } from 'ccxt';
import { parseTimestamp } from '../src/exchange/replay/rows.ts';
import { writeCandleCsv } from '../src/exchange/replay/write.ts';
import type { Candle } from '../src/exchange/types.ts';

const TIMEFRAMES: Record<string, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000 };

function usage(message: string): never {
  process.stderr.write(`fetch-candles: ${message}\nusage: npx tsx scripts/fetch-candles.ts --symbols BTC-USD,ETH-USD --from 2025-01-01 --to 2026-01-01 --out DIR [--exchange coinbase] [--timeframe 1h] [--page 300]\n`);
  process.exit(2);
}

/** The bars of one pair over [from, to), paged forward. */
async function fetchPair(ex: Exchange, pair: string, timeframe: string, from: number, to: number, page: number): Promise<Candle[]> {
  const tfMs = TIMEFRAMES[timeframe]!;
  const out: Candle[] = [];
  let since = from;
  const closedBy = Math.min(to, Date.now());
  while (since < to) {
    const rows = await ex.fetchOHLCV(pair, timeframe, since, page);
    if (rows.length === 0) break;
    for (const [ts, open, high, low, close, volume] of rows) {
      if (ts === undefined || ts < since || ts >= to || ts + tfMs > closedBy) continue;
      out.push({ ts, open: open!, high: high!, low: low!, close: close!, volume: volume ?? 0 });
    }
    const last = rows[rows.length - 1]![0]!;
    if (last < since) break; // the exchange went backwards: stop rather than loop
    since = last + tfMs;
    process.stderr.write(`\r${pair}: ${out.length} bars to ${new Date(Math.min(since, to)).toISOString()}`);
  }
  process.stderr.write('\n');
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      exchange: { type: 'string', default: 'coinbase' },
      symbols: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      timeframe: { type: 'string', default: '1h' },
      page: { type: 'string', default: '300' },
    },
  });
  if (!values.symbols || !values.from || !values.to || !values.out) usage('--symbols, --from, --to and --out are required');
  const from = parseTimestamp(values.from);
  const to = parseTimestamp(values.to);
  if (!Number.isFinite(from) || !Number.isFinite(to) || !(from < to)) usage('--from and --to must be ISO-8601 times with --from before --to');
  const timeframe = values.timeframe!;
  if (!(timeframe in TIMEFRAMES)) usage(`--timeframe must be one of ${Object.keys(TIMEFRAMES).join(', ')}`);
  const page = Number(values.page);
  if (!Number.isInteger(page) || page <= 0) usage('--page must be a whole number > 0');
  const id = values.exchange!;
  const Klass = (ccxt as unknown as Record<string, new (config: Record<string, unknown>) => Exchange>)[id];
  if (!ccxt.exchanges.includes(id) || typeof Klass !== 'function') usage(`unknown ccxt exchange id "${id}"`);
  const ex = new Klass({ enableRateLimit: true });
  await ex.loadMarkets();
  mkdirSync(values.out, { recursive: true });
  for (const symbol of values.symbols.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean)) {
    const pair = symbol.replace('-', '/');
    if (!ex.markets?.[pair]) usage(`${id} has no market ${pair}`);
    const candles = await fetchPair(ex, pair, timeframe, from, to, page);
    const file = join(values.out, `${symbol}.csv`);
    writeCandleCsv(file, candles);
    process.stdout.write(`${file}: ${candles.length} bars of ${timeframe}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`fetch-candles: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
  process.exit(1);
});
