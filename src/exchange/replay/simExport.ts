/**
 * `sim export`: the embedded sim market's closed bars over [from, to), one CSV per symbol, in the
 * format the replay reads. Deterministic for a seed, symbols and range (the sim starts at `from`
 * with its usual 15 days of warm-up history, which is not exported).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualClock } from '../../runner/clock.ts';
import { createSimExchange } from '../sim/index.ts';
import { TIMEFRAME_MS, type Candle, type Timeframe } from '../types.ts';
import { writeCandleCsv } from './write.ts';

/** Options for exportSimCandles. */
export interface SimExportOptions {
  seed: number;
  /** Default: the sim's built-in listing. Unknown BASE-USD names get synthetic traits. */
  symbols?: string[];
  from: number;
  to: number;
  timeframe: Timeframe;
  outDir: string;
}

/** What was written. */
export interface SimExportResult {
  files: string[];
  candles: number;
}

// The sim keeps 30 days of bars; stepping a week at a time reads each bar well before it is dropped.
const STEP_MS = 7 * 86_400_000;

/** Runs the sim from `from` to `to` and writes `<outDir>/<SYMBOL>.csv` for each symbol. */
export async function exportSimCandles(opts: SimExportOptions): Promise<SimExportResult> {
  const { from, to, timeframe } = opts;
  if (!(from < to)) throw new Error(`sim export: --from must be before --to`);
  const tfMs = TIMEFRAME_MS[timeframe];
  const clock = new VirtualClock(from);
  const sim = createSimExchange({ seed: opts.seed, clock, startTime: from, ...(opts.symbols ? { symbols: opts.symbols } : {}) });
  const symbols = sim.symbols();
  const out = new Map<string, Candle[]>(symbols.map((s) => [s, []]));
  const stepBars = Math.ceil(STEP_MS / tfMs) + 1;
  while (clock.now() < to) {
    clock.advance(Math.min(STEP_MS, to - clock.now()));
    for (const symbol of symbols) {
      const list = out.get(symbol)!;
      const next = list.length ? list[list.length - 1]!.ts + tfMs : from;
      for (const c of await sim.fetchCandles(symbol, timeframe, stepBars)) {
        if (c.ts >= next && c.ts + tfMs <= to) list.push(c);
      }
    }
  }
  mkdirSync(opts.outDir, { recursive: true });
  const files: string[] = [];
  let candles = 0;
  for (const [symbol, list] of out) {
    const file = join(opts.outDir, `${symbol}.csv`);
    writeCandleCsv(file, list);
    files.push(file);
    candles += list.length;
  }
  return { files, candles };
}
