/** `sim export`: candles from the embedded sim market, written as files the backtest replays. */
import { Option, type Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import { parseTimestamp } from '../exchange/replay/rows.ts';
import { exportSimCandles } from '../exchange/replay/simExport.ts';
import type { Timeframe } from '../exchange/types.ts';

interface ExportFlags {
  symbols?: string[];
  from: string;
  to: string;
  out: string;
  timeframe: Timeframe;
  seed?: string;
  configDir: string;
}

const time = (flag: string, v: string): number => {
  const t = parseTimestamp(v);
  if (!Number.isFinite(t)) throw new UsageError(`${flag}: expected an ISO-8601 date or time (UTC), got "${v}"`);
  return t;
};

/** Registers `sim export`. */
export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('the embedded simulated market');
  sim
    .command('export')
    .description('write the sim market\'s closed candles over [--from, --to) as <out>/<SYMBOL>.csv (replayable with `backtest --data`)')
    .option('--symbols <symbols...>', 'pairs to export, comma- or space-separated (default: every pair the sim lists; unknown BASE-USD names get synthetic traits)')
    .requiredOption('--from <time>', 'first bar open time, ISO-8601 UTC')
    .requiredOption('--to <time>', 'end (exclusive), ISO-8601 UTC')
    .requiredOption('--out <dir>', 'output directory (files of the same names are replaced)')
    .addOption(new Option('--timeframe <tf>', 'bar size').choices(['1h', '15m']).default('1h'))
    .option('--seed <n>', 'sim seed (default: app.yaml exchange.sim.seed of --config-dir)')
    .option('--config-dir <dir>', 'configuration directory (for the seed)', 'config')
    .action(async (o: ExportFlags) => {
      const from = time('--from', o.from);
      const to = time('--to', o.to);
      if (!(from < to)) throw new UsageError('--from must be before --to');
      let seed: number;
      if (o.seed !== undefined) {
        seed = Number(o.seed);
        if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed: expected a whole number >= 0, got "${o.seed}"`);
      } else {
        seed = loadConfig(o.configDir).app.exchange.sim.seed;
      }
      const symbols = o.symbols?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
      let r;
      try {
        r = await exportSimCandles({ seed, from, to, timeframe: o.timeframe, outDir: o.out, ...(symbols?.length ? { symbols } : {}) });
      } catch (e) {
        // The sim's own refusals (bad symbol names) are the operator's to fix.
        if (e instanceof Error && e.message.startsWith('sim:')) throw new UsageError(e.message);
        throw e;
      }
      process.stdout.write(`wrote ${r.files.length} files, ${r.candles} candles of ${o.timeframe} (seed ${seed}) to ${o.out}\n`);
    });
}
