/**
 * Long soak: `npx tsx --expose-gc scripts/stress/soak.ts [--cycles 200000] [--every 2000] [--json]`.
 * The real TradingLoop in PAPER on the sim with a virtual clock, in this process. Prints RSS, heap
 * and open file descriptors every `--every` cycles, then the growth after warm-up (the first tenth
 * of the run, at least one sample) against the issue's target (flat within 10 MB) and the end-of-run
 * consistency report (audit lines parse, seq contiguous, verify ok, book = fills = recorded orders).
 * Exit 1 when a check fails.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { runSoak, type SoakResult, type SoakSample } from '../../test/stress/soak/runSoak.ts';

/** Memory and fd growth after warm-up. */
export interface SoakFigures {
  cycles: number;
  msPerCycle: number;
  warm: SoakSample;
  end: SoakSample;
  /**
   * Median RSS of the second half of the run (after warm-up) minus the median of the first half. RSS
   * swings by tens of MB between samples (young generation, malloc arenas) with the heap flat, so
   * two single samples could land on either side of a swing; medians follow a trend only.
   */
  rssGrowthMb: number;
  heapGrowthMb: number;
  fdGrowth: number | null;
  /**
   * RSS trend after warm-up: the Theil–Sen slope (the median of the slopes between every pair of
   * post-warm-up samples, each taken after a full GC) times the cycles between the first and the last.
   * After a forced GC the V8 heap in use is flat, but RSS still swings by ±25 MB between samples (old
   * space V8 keeps committed, malloc arenas); a swing moves a few samples and barely the median slope,
   * a leak tilts every pair. (It replaced the peak of the second half minus the peak of the first:
   * +12.6 MB in one 200,000-cycle run, -32.4 and -4.0 MB in two others, with the heap flat.)
   */
  rssTrendMb: number;
  gc: boolean;
}

/** The median of the slopes between every pair of points (Theil–Sen): a trend that outliers barely move; 0 for fewer than two points. */
export function theilSenSlope(points: readonly (readonly [number, number])[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const [x0, y0] = points[i]!;
      const [x1, y1] = points[j]!;
      if (x1 !== x0) slopes.push((y1 - y0) / (x1 - x0));
    }
  }
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const m = slopes.length >> 1;
  return slopes.length % 2 ? slopes[m]! : (slopes[m - 1]! + slopes[m]!) / 2;
}

/** The warm-up sample: the first at or after a tenth of the run. */
export function figures(r: SoakResult, cycles: number): SoakFigures {
  const warm = r.samples.find((s) => s.cycle >= cycles / 10) ?? r.samples[0]!;
  const end = r.samples.at(-1)!;
  const after = r.samples.filter((s) => s.cycle >= warm.cycle);
  const half = after.length >> 1;
  const median = (xs: typeof after) => {
    const v = xs.map((s) => s.rssMb).sort((a, b) => a - b);
    return v.length % 2 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  return {
    cycles,
    msPerCycle: r.msPerCycle,
    warm,
    end,
    rssGrowthMb: half > 0 ? median(after.slice(half)) - median(after.slice(0, half)) : end.rssMb - warm.rssMb,
    heapGrowthMb: end.heapUsedMb - warm.heapUsedMb,
    fdGrowth: warm.fds === null || end.fds === null ? null : end.fds - warm.fds,
    rssTrendMb: theilSenSlope(after.map((s) => [s.cycle, s.rssMb])) * (end.cycle - warm.cycle),
    gc: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
}

/** Problems in the end-of-run report (empty = consistent). */
export function soakProblems(r: SoakResult, cycles: number): string[] {
  const p = r.report;
  const out: string[] = [];
  if (p.cycles !== cycles) out.push(`${p.cycles} cycle records, expected ${cycles}`);
  for (const [k, v] of Object.entries({ seqBreaks: p.seqBreaks, reconcile: p.reconcile, fillsWithoutRecord: p.fillsWithoutRecord, recordedNotBooked: p.recordedNotBooked, duplicateFillIds: p.duplicateFillIds, quarantined: p.quarantined })) {
    if (v.length > 0) out.push(`${k}: ${v.slice(0, 3).join('; ')}${v.length > 3 ? ` (+${v.length - 3})` : ''}`);
  }
  if (p.verify && !p.verify.ok) out.push(`audit verify: ${p.verify.problem?.code} ${p.verify.problem?.message}`);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { cycles: { type: 'string', default: '200000' }, every: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const cycles = Number(values.cycles);
  // 100 samples: enough pairs for the trend to sit still (each costs one full GC, ~20 ms).
  const every = Number(values.every ?? Math.max(1, Math.floor(cycles / 100)));
  if (!(cycles > 0) || !(every > 0)) throw new Error('--cycles and --every must be positive numbers');
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') console.error('note: run with --expose-gc for heap figures after a full GC');
  const r = await runSoak({
    cycles,
    sampleEvery: every,
    onSample: (s) => !values.json && console.log(`cycle ${String(s.cycle).padStart(7)}  rss ${s.rssMb.toFixed(1).padStart(7)} MB  heap ${s.heapUsedMb.toFixed(1).padStart(7)} MB  external ${s.externalMb.toFixed(1).padStart(6)} MB  (rss anon ${s.rssAnonMb?.toFixed(1)} file ${s.rssFileMb?.toFixed(1)} shmem ${s.rssShmemMb?.toFixed(1)})  fds ${s.fds}  ${(s.elapsedMs / 1000).toFixed(0)} s`),
  });
  const f = figures(r, cycles);
  const problems = soakProblems(r, cycles);
  if (values.json) {
    console.log(JSON.stringify({ ...f, report: { ...r.report, verify: r.report.verify && { ok: r.report.verify.ok, problem: r.report.verify.problem } }, problems }));
  } else {
    console.log(`\n${cycles} cycles, ${f.msPerCycle.toFixed(2)} ms/cycle; after warm-up (cycle ${f.warm.cycle}):`);
    console.log(`  rss  ${f.warm.rssMb.toFixed(1)} -> ${f.end.rssMb.toFixed(1)} MB; median second half vs first: ${f.rssGrowthMb >= 0 ? '+' : ''}${f.rssGrowthMb.toFixed(1)} MB (target growth <= 10 MB: ${f.rssGrowthMb <= 10 ? 'ok' : 'MISS'})`);
    console.log(`  heap ${f.warm.heapUsedMb.toFixed(1)} -> ${f.end.heapUsedMb.toFixed(1)} MB  (${f.heapGrowthMb >= 0 ? '+' : ''}${f.heapGrowthMb.toFixed(1)} MB; target growth <= 10 MB: ${f.heapGrowthMb <= 10 ? 'ok' : 'MISS'})`);
    console.log(`  rss trend after warm-up (Theil–Sen slope x ${f.end.cycle - f.warm.cycle} cycles): ${f.rssTrendMb >= 0 ? '+' : ''}${f.rssTrendMb.toFixed(1)} MB (target growth <= 10 MB: ${f.rssTrendMb <= 10 ? 'ok' : 'MISS'})`);
    console.log(`  fds  ${f.warm.fds} -> ${f.end.fds}`);
    console.log(`  records ${r.report.records}, executed cycles ${r.report.executed}, fills ${r.report.fills}, audit verify ${r.report.verify?.ok ? 'ok' : 'FAILED'}`);
    console.log(problems.length ? `PROBLEMS:\n  ${problems.join('\n  ')}` : 'audit and state consistent');
  }
  if (problems.length) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
