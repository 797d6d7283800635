/** The per-run output directory `<out>/<config_hash>/`: made fresh for every run, and only ever one we made. */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';

/** Marks a directory as a backtest's own, so a rerun may replace it. */
export const RUN_MARKER = '.backtest-run';

/**
 * Empties (or creates) `dir` for a new run. A previous run's directory is replaced — a replay
 * must start from an empty book and an empty audit log to be reproducible; any other non-empty
 * directory is refused rather than deleted.
 */
export function freshRunDir(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(join(dir, RUN_MARKER))) {
      throw new UsageError(`${dir} exists and was not written by a backtest; choose another --out`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, RUN_MARKER), 'written by `247trader backtest`; replaced by the next run of the same config hash\n');
}
