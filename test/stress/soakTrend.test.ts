/**
 * The soak's RSS trend (scripts/stress/soak.ts): the Theil–Sen slope of RSS over the samples after
 * warm-up, times the cycles they span. Hand-made series: what the figure says for a flat process whose
 * RSS swings (as measured: ±25 MB between samples with the heap flat) and for one that leaks.
 */
import { describe, expect, it } from 'vitest';
import { figures, theilSenSlope } from '../../scripts/stress/soak.ts';
import type { SoakResult, SoakSample } from './soak/runSoak.ts';

const sample = (cycle: number, rssMb: number): SoakSample => ({ cycle, rssMb, heapUsedMb: 17, externalMb: 6, rssAnonMb: null, rssFileMb: null, rssShmemMb: null, fds: 35, elapsedMs: cycle });
const run = (rss: number[], every: number): SoakResult => ({ dir: '', samples: rss.map((r, i) => sample((i + 1) * every, r)), report: {} as SoakResult['report'], msPerCycle: 1 });

describe('soak RSS trend', () => {
  it('a line then its slope; one wild point then still the line', () => {
    // y = 2x + 1 at x = 0..4: every pairwise slope is 2.
    expect(theilSenSlope([[0, 1], [1, 3], [2, 5], [3, 7], [4, 9]])).toBe(2);
    // The last point moved up by 100: pairs with it have slopes 2 + 100/(4 - i) = 27, 35.33, 52, 102;
    // the other six are 2; the median of the ten (sorted 2,2,2,2,2,2,27,…) is (2 + 2) / 2 = 2.
    expect(theilSenSlope([[0, 1], [1, 3], [2, 5], [3, 7], [4, 109]])).toBe(2);
    expect(theilSenSlope([[5, 1]])).toBe(0);
  });

  it('flat RSS swinging by 50 MB with a high last sample then a trend of 0, where the peaks of the halves differed by +20 MB', () => {
    // Ten samples after warm-up, every 20,000 cycles of 200,000: a ±25 MB swing around 150 MB, the
    // last one at a swing's top (195). Old figure: peak of the last five (195) minus the first five's
    // (175) = +20 MB. Of the 45 pairwise slopes, the 9 between equal values (150-150, 175-175,
    // 125-125, three samples apart) are 0, 15 are negative and 21 positive (the 9 with the last sample
    // all positive): sorted, the 0s are the 16th to 24th, so the median (23rd) is 0.
    const rss = [150, 175, 125, 150, 175, 125, 150, 175, 125, 195];
    const f = figures(run(rss, 20_000), 200_000);
    expect(f.warm.cycle).toBe(20_000);
    expect(f.rssTrendMb).toBe(0);
  });

  it('a leak of 1 MB per 20,000 cycles under the same swing then about 9 MB over the 180,000 cycles after warm-up', () => {
    const swing = [0, 25, -25, 0, 25, -25, 0, 25, -25, 0];
    const rss = swing.map((s, i) => 150 + s + i); // +1 MB per sample
    const f = figures(run(rss, 20_000), 200_000);
    // The 12 pairs with equal swing (three, six or nine samples apart) have slope exactly 1 MB per sample;
    // 18 are lower and 15 higher, so the median (23rd of 45) is one of them: 1 MB per 20,000 cycles,
    // times the 180,000 cycles from the first sample after warm-up to the last = 9 MB.
    expect(f.rssTrendMb).toBeCloseTo(9, 6);
  });
});
