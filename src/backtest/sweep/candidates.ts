/**
 * The candidates of a grid: every combination of the axes' values (the first axis varies slowest),
 * or a seeded random sample of them. Pure and deterministic: the same grid gives the same list.
 */
import { UsageError } from '../../errors.ts';
import { seededRandom } from '../../runner/schedule.ts';
import type { Grid } from './grid.ts';

/** One candidate: a value per axis, in axis order. */
export type Assignment = readonly unknown[];

/** How many combinations the grid spans (before sampling). */
export const combinations = (grid: Grid): number => grid.axes.reduce((n, a) => n * a.values.length, 1);

/** The combination with index i (mixed radix, last axis fastest). */
function decode(grid: Grid, i: number): Assignment {
  const out: unknown[] = new Array(grid.axes.length);
  for (let k = grid.axes.length - 1; k >= 0; k--) {
    const vs = grid.axes[k]!.values;
    out[k] = vs[i % vs.length];
    i = Math.floor(i / vs.length);
  }
  return out;
}

/** N distinct indexes below `total` (Floyd's algorithm), ascending. */
function sample(total: number, n: number, seed: number): number[] {
  const next = seededRandom(seed); // mulberry32: the same sample on every machine
  const chosen = new Set<number>();
  for (let j = total - n; j < total; j++) {
    const t = Math.floor(next() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * The candidates to run. Refuses (UsageError) more than `maxCandidates` of them, saying how many
 * the grid has and how to proceed.
 */
export function candidates(grid: Grid, o: { maxCandidates: number; gridFile: string }): Assignment[] {
  const total = combinations(grid);
  const n = grid.random !== undefined ? Math.min(grid.random, total) : total;
  if (n > o.maxCandidates) {
    const dims = grid.axes.map((a) => a.values.length).join(' × ');
    throw new UsageError(
      `${o.gridFile}: ${n.toLocaleString('en-US')} candidates (${grid.random !== undefined ? `random: ${grid.random}` : dims}) is more than --max-candidates ${o.maxCandidates.toLocaleString('en-US')}; pass --max-candidates ${n} to run them all, or add random: N to the grid to sample N`,
    );
  }
  const indexes = n === total ? Array.from({ length: total }, (_, i) => i) : sample(total, n, grid.seed);
  return indexes.map((i) => decode(grid, i));
}
