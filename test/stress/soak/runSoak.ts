/**
 * The soak: the real TradingLoop in PAPER on the sim with a virtual clock, for many cycles in this
 * process, sampling memory and open file descriptors as it goes, then the end-of-run consistency
 * report. The suite runs 5,000 cycles; scripts/stress/soak.ts runs 200,000.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/log.ts';
import { VirtualClock } from '../../../src/runner/clock.ts';
import { TradingLoop } from '../../../src/runner/mainLoop.ts';
import { ROOT } from '../../helpers/cli.ts';
import { checkRun, type ConsistencyReport } from '../consistency.ts';

/** One reading of the process. */
export interface SoakSample {
  cycle: number;
  rssMb: number;
  heapUsedMb: number;
  /** Memory of Buffers/ArrayBuffers and native objects V8 knows about (MB). */
  externalMb: number;
  /** RSS split from /proc/self/status (anonymous, file-backed, shared memory), MB; null without /proc. */
  rssAnonMb: number | null;
  rssFileMb: number | null;
  rssShmemMb: number | null;
  /** Entries in /proc/self/fd (null where /proc is missing). */
  fds: number | null;
  /** Wall ms since the first cycle. */
  elapsedMs: number;
}

/** Options of runSoak. */
export interface SoakOptions {
  cycles: number;
  /** Take a sample every this many cycles (and after the last). */
  sampleEvery: number;
  onSample?: (s: SoakSample) => void;
  /** Keep the run directory (default: removed). */
  keep?: boolean;
}

/** What the soak saw. */
export interface SoakResult {
  dir: string;
  samples: SoakSample[];
  report: ConsistencyReport;
  msPerCycle: number;
}

/** Open file descriptors of this process. */
export const openFds = (): number | null => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : null);

const MB = 1024 * 1024;

/** One `RssXxx:  123 kB` line of /proc/self/status, in MB. */
function statusMb(status: string, key: string): number | null {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) / 1024 : null;
}

/** A reading after a full GC when the process was started with --expose-gc (else as is). */
export function sample(cycle: number, t0: number): SoakSample {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const status = existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '';
  return {
    cycle,
    rssMb: m.rss / MB,
    heapUsedMb: m.heapUsed / MB,
    externalMb: m.external / MB,
    rssAnonMb: statusMb(status, 'RssAnon'),
    rssFileMb: statusMb(status, 'RssFile'),
    rssShmemMb: statusMb(status, 'RssShmem'),
    fds: openFds(),
    elapsedMs: performance.now() - t0,
  };
}

/**
 * A fresh directory for a run: on /dev/shm when there is one (tmpfs: the fsync per record costs
 * nothing, so the soak measures the daemon, not the disk), else the OS temp dir.
 */
export function runDir(prefix: string): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtempSync(join(base, prefix));
}

/** Runs the soak and checks the log and the book at the end. */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const dir = runDir('247t-soak-');
  try {
    const configDir = join(dir, 'config');
    cpSync(join(ROOT, 'config'), configDir, { recursive: true });
    const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'));
    const loop = new TradingLoop({ configDir, mode: 'PAPER', logDir: join(dir, 'logs'), dataDir: join(dir, 'data'), clock, logger: silentLogger() });
    await loop.start();
    const samples: SoakSample[] = [];
    const t0 = performance.now();
    const signal = new AbortController().signal;
    try {
      for (let done = 0; done < o.cycles; ) {
        const n = Math.min(o.sampleEvery, o.cycles - done);
        await loop.run(signal, { maxCycles: done + n });
        done += n;
        // run() returns right after its last cycle; the next chunk starts one interval later, as the schedule would.
        clock.advance(loop.intervalMs);
        const s = sample(done, t0);
        samples.push(s);
        o.onSample?.(s);
      }
    } finally {
      await loop.stop('soak_done');
    }
    const msPerCycle = (performance.now() - t0) / o.cycles;
    const report = await checkRun({ logDir: join(dir, 'logs'), dataDir: join(dir, 'data'), mode: 'PAPER', startingCashUsd: loop.config.policy.sizing.starting_cash_usd });
    return { dir, samples, report, msPerCycle };
  } finally {
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}
