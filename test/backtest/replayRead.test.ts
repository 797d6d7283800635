import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CandleDataError, loadReplayData } from '../../src/exchange/replay/index.ts';
import { parseTimestamp } from '../../src/exchange/replay/rows.ts';
import { tempDir } from '../helpers/cli.ts';

const H = 3_600_000;
const T0 = Date.UTC(2025, 0, 1);

/** Writes files into a fresh directory and returns its path. */
function dataDir(files: Record<string, string>): string {
  const dir = join(tempDir('247t-replay-'), 'data');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const csv = (rows: string[]) => ['timestamp,open,high,low,close,volume', ...rows].join('\n') + '\n';
const hourRow = (h: number, close = 100) => `${new Date(T0 + h * H).toISOString()},${close},${close + 1},${close - 1},${close},10`;

describe('reading candle files', () => {
  it('csv with header and symbol from the file name then columns hold the rows in time order', () => {
    const d = loadReplayData(dataDir({ 'btc_usd.csv': csv([hourRow(1, 101), hourRow(0, 100), hourRow(2, 102)]) }));
    expect(d.symbols).toEqual(['BTC-USD']);
    expect(d.intervalMs).toBe(H);
    const s = d.series.get('BTC-USD')!;
    expect([...s.ts]).toEqual([T0, T0 + H, T0 + 2 * H]);
    expect([...s.close]).toEqual([100, 101, 102]);
    expect(d.candles).toBe(3);
    expect(d.firstTs).toBe(T0);
    expect(d.lastTs).toBe(T0 + 2 * H);
  });

  it('jsonl objects, ccxt arrays, a symbol column and epoch seconds then all read alike', () => {
    const lines = [
      JSON.stringify({ time: T0 / 1000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3, symbol: 'ETH/USD' }),
      JSON.stringify([T0 + H, 1.5, 2, 1, 1.8, 4]),
    ];
    const d = loadReplayData(join(dataDir({ 'ETH-USD.jsonl': `${lines.join('\n')}\n` }), 'ETH-USD.jsonl'));
    const s = d.series.get('ETH-USD')!;
    expect([...s.ts]).toEqual([T0, T0 + H]);
    expect([...s.volume]).toEqual([3, 4]);
  });

  it('headerless csv with a symbol column then one file feeds several symbols', () => {
    const rows = [0, 1].flatMap((h) => [`${T0 + h * H},10,11,9,10,1,AAA-USD`, `${T0 + h * H},20,21,19,20,1,BBB-USD`]);
    const d = loadReplayData(dataDir({ 'mixed.csv': `${rows.join('\n')}\n` }));
    expect(d.symbols).toEqual(['AAA-USD', 'BBB-USD']);
    expect(d.candles).toBe(4);
  });

  it('the common row form and the same values written otherwise then the same numbers', () => {
    // The common form (ISO ms UTC, plain decimals, six columns) is read from the bytes (fastRow.ts);
    // every other spelling goes through the general reader. Both must give the same doubles: a
    // 17-digit shortest round-trip volume, a 16-digit one, 0.1 + 0.2's digits, a leap day.
    const values = [
      ['2024-02-29T00:00:00.000Z', '0.30000000000000004', '0.30000000000000004', '0.1', '0.2', '388.97978324528725'],
      ['2024-02-29T01:00:00.000Z', '103326.36', '103488.58', '102755.79', '102942.92', '400.0734040958789'],
    ];
    const common = dataDir({ 'BTC-USD.csv': csv(values.map((v) => v.join(','))) });
    const quoted = dataDir({ 'BTC-USD.csv': csv(values.map((v) => v.map((x) => `"${x}"`).join(','))) });
    const a = loadReplayData(common).series.get('BTC-USD')!;
    const b = loadReplayData(quoted).series.get('BTC-USD')!;
    expect([...a.ts]).toEqual([Date.UTC(2024, 1, 29), Date.UTC(2024, 1, 29, 1)]);
    expect([...a.open]).toEqual([0.30000000000000004, 103326.36]);
    expect([...a.volume]).toEqual([388.97978324528725, 400.0734040958789]);
    for (const k of ['ts', 'open', 'high', 'low', 'close', 'volume'] as const) expect([...a[k]]).toEqual([...b[k]]);
  });

  it('a common-form row with a zero price then the general reader words the problem, with its line', () => {
    expect(() => loadReplayData(dataDir({ 'BTC-USD.csv': csv([hourRow(0), '2025-01-01T01:00:00.000Z,0,2,0.5,1.5,3']) }))).toThrow(/BTC-USD\.csv:3: bad_number: open/);
  });

  it('timestamps without an offset then read as UTC', () => {
    expect(parseTimestamp('2025-01-01 01:00:00')).toBe(T0 + H);
    expect(parseTimestamp('2025-01-01')).toBe(T0);
    expect(parseTimestamp('2025-01-01T02:00:00+01:00')).toBe(T0 + H);
    expect(parseTimestamp('yesterday')).toBeNaN();
  });

  it('a bad number then one error naming file and line', () => {
    const dir = dataDir({ 'BTC-USD.csv': csv([hourRow(0), hourRow(1).replace(/,100,10$/, ',n/a,10'), hourRow(2)]) });
    expect(() => loadReplayData(dir)).toThrow(CandleDataError);
    expect(() => loadReplayData(dir)).toThrow(`${join(dir, 'BTC-USD.csv')}:3: bad_number: close: expected a positive number, got "n/a"`);
  });

  it('high below close then bad_prices with the numbers', () => {
    const dir = dataDir({ 'BTC-USD.csv': csv([`${new Date(T0).toISOString()},100,99,98,100,1`]) });
    expect(() => loadReplayData(dir)).toThrow('BTC-USD.csv:2: bad_prices: high 99 is below open/close 100');
  });

  it('skip-bad-rows then bad rows are counted by reason and the rest load', () => {
    const rows = [hourRow(0), 'garbage', hourRow(1), hourRow(1), hourRow(2), `${new Date(T0 + 2.5 * H).toISOString()},1,1,1,1,1`, hourRow(3), hourRow(4)];
    const d = loadReplayData(dataDir({ 'BTC-USD.csv': csv(rows) }), { skipBadRows: true });
    expect(d.intervalMs).toBe(H);
    expect(d.candles).toBe(5);
    expect(d.skipped.count).toBe(3);
    expect(d.skipped.byReason).toEqual({ bad_row: 1, duplicate_timestamp: 1, misaligned_timestamp: 1 });
    expect(d.skipped.examples[0]).toMatch(/BTC-USD\.csv:3: bad_row: expected 6 columns, got 1$/);
  });

  it('the same time twice then the error names both rows', () => {
    const dir = dataDir({ 'BTC-USD.csv': csv([hourRow(0), hourRow(0)]) });
    expect(() => loadReplayData(dir)).toThrow(/BTC-USD\.csv:3: duplicate_timestamp: BTC-USD 2025-01-01T00:00:00\.000Z already at .*BTC-USD\.csv:2/);
  });

  it('symbols with different bar intervals then refused', () => {
    const quarter = ['2025-01-01T00:00:00Z,1,1,1,1,1', '2025-01-01T00:15:00Z,1,1,1,1,1'];
    const dir = dataDir({ 'AAA-USD.csv': csv([hourRow(0), hourRow(1)]), 'BBB-USD.csv': csv(quarter) });
    expect(() => loadReplayData(dir)).toThrow('mixed bar intervals: AAA-USD has 1h bars, BBB-USD has 15m bars');
  });

  it('4h bars then refused as unsupported', () => {
    const dir = dataDir({ 'AAA-USD.csv': csv([hourRow(0), hourRow(4)]) });
    expect(() => loadReplayData(dir)).toThrow(/bar interval 4h \(AAA-USD\) is not supported/);
  });

  it('a file named after no pair and no symbol column then an error saying how to name it', () => {
    const dir = dataDir({ 'candles.csv': csv([hourRow(0)]) });
    expect(() => loadReplayData(dir)).toThrow('candles.csv:2: no symbol: add a symbol column or name the file after the pair (e.g. BTC-USD.csv)');
  });

  it('a directory without candle files then refused', () => {
    expect(() => loadReplayData(dataDir({ 'notes.txt': 'x' }))).toThrow(/no \.csv, \.jsonl or \.ndjson candle files/);
  });

  it('same bytes in another directory then the same data hash', () => {
    const files = { 'BTC-USD.csv': csv([hourRow(0), hourRow(1)]) };
    expect(loadReplayData(dataDir(files)).dataHash).toBe(loadReplayData(dataDir(files)).dataHash);
  });
});
