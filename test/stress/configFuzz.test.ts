/**
 * 1,000 generated bad configurations (seed 1): each must load with the right values or fail with a
 * ConfigError whose message is one line per problem, each naming the broken file; never another error, never a hang.
 * All of them go through loadConfig (in a child process, so a hang can be stopped); a sample of 15
 * goes through the real CLI in configFuzzCli.test.ts; all 1,000 through the CLI: scripts/stress/fuzzConfig.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fuzzCase, loadBase, MUTATIONS, type MutationKind } from './fuzz/cases.ts';
import { runFuzzInProcess } from './fuzz/drive.ts';
import { violation, type CaseResult } from './fuzz/judge.ts';

const SEED = 1;
const COUNT = 1000;
/** Hang guard only (the target is 2 s; the figure is printed, not asserted). */
const HANG_MS = 10_000;

const KINDS = [...new Set<MutationKind>([...MUTATIONS, 'fifo', 'long_file_name'])];

describe('bad configuration fuzz, 1,000 cases from seed 1, through loadConfig', () => {
  let results: CaseResult[] = [];

  beforeAll(async () => {
    results = await runFuzzInProcess({ seed: SEED, count: COUNT, hangMs: HANG_MS });
    // The target is under 2 s per case; figures to read, not a test threshold.
    const slowest = (rs: CaseResult[]) => rs.reduce((a, b) => (b.ms > a.ms ? b : a));
    const all = slowest(results);
    const answered = slowest(results.filter((r) => r.outcome !== 'hang' && r.outcome !== 'crashed'));
    console.log(`config fuzz: ${results.length} cases; max ${Math.round(all.ms)} ms (case ${all.i}, ${all.note}); max of those that answered ${Math.round(answered.ms)} ms (case ${answered.i}, ${answered.note})`);
  }, 600_000);

  it('every case ran and every mutation kind is covered', () => {
    expect(results.map((r) => r.i)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(new Set(results.map((r) => r.kind))).toEqual(new Set(KINDS));
  });

  it.each(KINDS)('%s cases then each loads correctly or fails with one line per problem naming the file', (kind) => {
    const mine = results.filter((r) => r.kind === kind);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.map(violation).filter(Boolean)).toEqual([]);
  });

  it('BOM and CRLF variants of the valid files then they load with the same values', () => {
    const same = results.filter((r) => r.kind === 'bom' || r.kind === 'crlf' || r.kind === 'bom_crlf');
    expect(same.length).toBeGreaterThan(50);
    for (const r of same) expect({ i: r.i, outcome: r.outcome, same: r.same }).toEqual({ i: r.i, outcome: 'loaded', same: true });
  });

  it('generation is deterministic: the same seed and index give the same bytes', () => {
    const base = loadBase();
    for (const i of [0, 7, 13, 500, 999]) expect(fuzzCase(SEED, i, base)).toEqual(fuzzCase(SEED, i, base));
    expect(fuzzCase(SEED, 7, base)).not.toEqual(fuzzCase(SEED + 1, 7, base));
  });
});
