/**
 * `backtest sweep`: many candidate configurations over the same candles, each a real config
 * directory with its own hash and snapshot, ranked by an objective; optionally walk-forward.
 * Prints a table (or JSON) and writes `<out>/sweep.json` and `<out>/sweep.html`.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { terminalProgress } from '../backtest/progress.ts';
import { UsageError } from '../errors.ts';
import { loadReplayData } from '../exchange/replay/index.ts';
import { OBJECTIVES, type Objective } from '../backtest/sweep/metrics.ts';
import { parseWalkForward } from '../backtest/sweep/walkForward.ts';

interface SweepFlags {
  data: string;
  grid: string;
  objective: Objective;
  workers?: string;
  out: string;
  json?: boolean;
  maxCandidates: string;
  walkForward?: string;
  configDir: string;
  skipBadRows?: boolean;
}

/** Default output root of sweeps: under logs/, which is runtime output and git-ignored. */
export const DEFAULT_SWEEP_OUT = 'logs/sweeps';
/** Without --max-candidates a grid may name at most this many candidates. */
export const DEFAULT_MAX_CANDIDATES = 1000;

/** A sweep stopped by Ctrl-C or SIGTERM: finished jobs are kept for the rerun. Exit 130. */
export class SweepInterrupted extends Error {
  readonly exitCode = 130;
  constructor(message: string) {
    super(message);
    this.name = 'SweepInterrupted';
  }
}

const wholeNumber = (flag: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag}: expected a whole number >= ${min}, got "${v}"`);
  return n;
};

/** Registers `backtest sweep` under the backtest command. */
export function registerSweepCommand(backtest: Command): void {
  // `backtest`'s own options (--data, --out, …) would otherwise be taken from after `sweep` too.
  backtest.enablePositionalOptions();
  backtest
    .command('sweep')
    .description('run every candidate of a grid of config values over the same candles; each candidate is a config directory with its own hash and snapshot')
    .requiredOption('--data <path>', 'a candle file or directory (as for backtest)')
    .requiredOption('--grid <file>', 'YAML naming keys of policy.yaml, signals.yaml, universe.yaml with lists or {from, to, step} ranges; see src/backtest/sweep/README.md')
    .addOption(new Option('--objective <name>', 'what ranks the candidates (higher is better)').choices(OBJECTIVES).default('sharpe'))
    .option('--workers <n>', `worker threads (default: the number of cores, ${availableParallelism()} here)`)
    .option('--out <dir>', 'candidates, runs, snapshots, sweep.json and sweep.html go here; finished jobs found here are reused', DEFAULT_SWEEP_OUT)
    .option('--json', 'print the outcome as JSON')
    .option('--max-candidates <n>', 'refuse grids with more candidates than this', String(DEFAULT_MAX_CANDIDATES))
    .option('--walk-forward <spec>', 'train=90d,test=30d[,step=30d]: pick the best on each training span, report it on the test span after it')
    .option('--config-dir <dir>', 'the base configuration the grid edits', 'config')
    .option('--skip-bad-rows', 'skip candle rows that fail the checks and count them')
    .action(async (o: SweepFlags) => {
      const workers = o.workers === undefined ? availableParallelism() : wholeNumber('--workers', o.workers, 1);
      const maxCandidates = wholeNumber('--max-candidates', o.maxCandidates, 1);
      const walkForward = o.walkForward === undefined ? undefined : parseWalkForward(o.walkForward);
      const data = loadReplayData(o.data, { skipBadRows: o.skipBadRows ?? false });
      const { runSweep } = await import('../backtest/sweep/sweep.ts');
      const { renderSweep } = await import('../backtest/sweep/render.ts');
      const { sweepPage } = await import('../backtest/sweep/html.ts');
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const progress = terminalProgress({ label: 'sweep', unit: 'jobs', eta: true, afterMs: 0 });
      let outcome;
      try {
        outcome = await runSweep({
          configDir: o.configDir,
          gridFile: o.grid,
          dataPath: o.data,
          data,
          outDir: o.out,
          objective: o.objective,
          workers,
          maxCandidates,
          skipBadRows: o.skipBadRows ?? false,
          signal: controller.signal,
          onProgress: (done, total) => progress.update(done, total),
          ...(walkForward ? { walkForward } : {}),
        });
      } finally {
        progress.end();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      if (outcome.interrupted) {
        throw new SweepInterrupted(`sweep interrupted: ${outcome.jobs.run} jobs finished and kept in ${o.out} (with ${outcome.jobs.reused} from earlier runs); run the same command again to resume`);
      }
      const json = `${JSON.stringify(outcome, (k, v) => (k === 'daily' ? undefined : v), 2)}\n`;
      writeFileSync(join(o.out, 'sweep.json'), json);
      writeFileSync(join(o.out, 'sweep.html'), sweepPage(outcome));
      process.stdout.write(o.json ? json : renderSweep(outcome));
      // A job that failed (not a config problem: those are skipped before any job) is a runtime failure.
      if (outcome.jobs.failed.length > 0) {
        process.stderr.write(`error: ${outcome.jobs.failed.length} job${outcome.jobs.failed.length === 1 ? '' : 's'} failed (listed in the output); the other rows are complete\n`);
        process.exitCode = 1;
      }
    });
}
