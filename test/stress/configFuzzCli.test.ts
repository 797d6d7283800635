/**
 * A sample of the generated bad configurations (the first case of 15 kinds, seed 1) through the real
 * CLI, `config validate`: exit 2 with one `error:` line per problem on stderr, each naming the file, no stack trace,
 * or exit 0 where the case may load. All 1,000 through the CLI: scripts/stress/fuzzConfig.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fuzzCase, loadBase, type MutationKind } from './fuzz/cases.ts';
import { runCaseCli, type CliCaseResult } from './fuzz/drive.ts';
import { violation } from './fuzz/judge.ts';

const SEED = 1;
/** Hang guard only, not a timing assertion (generous: each process pays the CLI start, about 3.5 s here, more under load). */
const HANG_MS = 30_000;
const CLI_KINDS: MutationKind[] = ['delete_key', 'rename_key', 'wrong_type', 'nan', 'infinity', 'binary', 'empty_file', 'deep_nesting', 'duplicate_key', 'bom', 'crlf', 'tab_indent', 'directory', 'invalid_utf8', 'proto_key'];

describe('bad configuration fuzz, a sample of 15 through `config validate`', () => {
  const base = loadBase();
  const sample = CLI_KINDS.map((k) => {
    let i = 0;
    while (fuzzCase(SEED, i, base).kind !== k) i++;
    return i;
  });
  let runs: CliCaseResult[] = [];

  beforeAll(async () => {
    // Two at a time: CI has two cores.
    for (let k = 0; k < sample.length; k += 2) runs.push(...(await Promise.all(sample.slice(k, k + 2).map((i) => runCaseCli(SEED, i, { hangMs: HANG_MS })))));
  }, 300_000);

  it.each(CLI_KINDS.map((k, n) => [k, n] as const))('%s through the CLI then exit 2 with one line per problem naming the file and no stack trace, or exit 0 when it must load', (_kind, n) => {
    const run = runs[n]!;
    const r = run.result;
    expect(r.i).toBe(sample[n]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(violation(r)).toBeUndefined();
    if (r.outcome === 'loaded') {
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      return;
    }
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    for (const line of run.stderr.split('\n').filter(Boolean)) expect(line.startsWith(`error: <dir>/${r.file}`)).toBe(true);
  });
});
