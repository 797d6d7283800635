/**
 * A one-line progress bar on stderr, only when stderr is a terminal and only once a run has
 * lasted a moment (short runs stay silent). Never on stdout, so `--json` output stays clean.
 */

/** What the runner calls as cycles complete. */
export interface Progress {
  update(done: number, total: number): void;
  /** Clears the line (if one was drawn). */
  end(): void;
}

/** A progress reporter that does nothing (not a terminal, tests). */
export const noProgress: Progress = { update() {}, end() {} };

/** Options: where to draw, after how long, how often, and a wall clock (tests pass fakes). */
export interface ProgressOptions {
  stream?: { isTTY?: boolean; columns?: number; write(s: string): unknown };
  label?: string;
  /** What is counted (default `cycles`). */
  unit?: string;
  /** Show the estimated time left, from the rate so far. */
  eta?: boolean;
  afterMs?: number;
  everyMs?: number;
  now?: () => number;
}

/** Seconds as `42s` or `3m05s`. */
const clock = (s: number): string => (s < 60 ? `${Math.round(s)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`);

/** A bar like `backtest [#########---------] 48% 4200/8760 cycles 2.1s` that redraws at most every `everyMs`. */
export function terminalProgress(opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (!stream.isTTY) return noProgress;
  const now = opts.now ?? (() => performance.now());
  const start = now();
  const afterMs = opts.afterMs ?? 500;
  const everyMs = opts.everyMs ?? 100;
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(done, total) {
      const t = now();
      if (t - start < afterMs || (t - drawnAt < everyMs && done < total)) return;
      drawnAt = t;
      drawn = true;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50));
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const full = Math.round(frac * width);
      const bar = `${'#'.repeat(full)}${'-'.repeat(width - full)}`;
      const elapsed = (t - start) / 1000;
      const eta = opts.eta && done > 0 && done < total ? ` ETA ${clock((elapsed / done) * (total - done))}` : '';
      stream.write(`\r${opts.label ?? 'backtest'} [${bar}] ${String(Math.floor(frac * 100)).padStart(3)}% ${done}/${total} ${opts.unit ?? 'cycles'} ${elapsed.toFixed(1)}s${eta}\u001b[K`);
    },
    end() {
      if (drawn) stream.write('\r\u001b[K');
    },
  };
}
