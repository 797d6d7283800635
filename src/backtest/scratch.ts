/**
 * Where a run is assembled before it is moved into `<out>/<config_hash>/`.
 *
 * Why: the loop makes every audit record and every cycle's book update durable (fsync per
 * record, SQLite synchronous=FULL) — right for a daemon, pointless for a replay that can simply be
 * run again, and measured as the largest cost of a backtest on this machine's disk (about 1.5 ms
 * a cycle: a year of hourly cycles spent 13 s waiting on fsync). On tmpfs those syncs cost
 * nothing. A run is therefore built in a scratch directory on /dev/shm when there is one (else
 * beside its destination, where nothing is gained but nothing breaks), and copied into place
 * only once complete, so an interrupted run also leaves no half-written output.
 *
 * When the loop and the store skip syncs in mode BACKTEST, this indirection can go.
 */
import { accessSync, constants, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const TMPFS = '/dev/shm';

/** A fresh scratch directory: on tmpfs when available, else under `fallbackParent`. */
export function scratchDir(fallbackParent: string): string {
  let root = fallbackParent;
  try {
    accessSync(TMPFS, constants.W_OK);
    root = TMPFS;
  } catch {
    // no tmpfs: build beside the destination
  }
  return mkdtempSync(join(root, '.247t-backtest-'));
}

/** Copies a finished scratch run into `dest` (already fresh) and removes the scratch directory. */
export function moveInto(scratch: string, dest: string): void {
  try {
    cpSync(scratch, dest, { recursive: true });
  } finally {
    removeScratch(scratch);
  }
}

/** Removes a scratch directory (runs that failed). */
export const removeScratch = (scratch: string): void => rmSync(scratch, { recursive: true, force: true });
