/**
 * Child process of the config fuzz: loads cases [from, to) of a seed with loadConfig, in this
 * process, and prints one JSON line per case (a `start` line first, so the parent can tell which
 * case hangs and kill us). Run by drive.ts:
 *   node --import tsx test/stress/fuzz/runner.ts <seed> <from> <to> <workdir>
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../src/config/errors.ts';
import { loadConfig, type LoadedConfig } from '../../../src/config/load.ts';
import { BASE_CONFIG_DIR, fuzzCase, loadBase, materialize } from './cases.ts';
import type { CaseResult } from './judge.ts';

const [seed, from, to] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const work = process.argv[5]!;
const base = loadBase();
const values = (c: LoadedConfig) => JSON.stringify([c.policy, c.signals, c.universe, c.app]);
const baseline = values(loadConfig(BASE_CONFIG_DIR, {}));
// Tokens like ${COINBASE_API_KEY} stay unset, as in a fresh install.
const env: NodeJS.ProcessEnv = {};

const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

for (let i = from; i < to; i++) {
  const c = fuzzCase(seed, i, base);
  const dir = join(work, `case-${i}`);
  materialize(c, base, dir);
  out({ start: i });
  const t0 = performance.now();
  const r: CaseResult = { i, kind: c.kind, file: c.file, expect: c.expect, note: c.note, outcome: 'loaded', ms: 0 };
  try {
    const cfg = loadConfig(dir, env);
    r.same = values(cfg) === baseline;
  } catch (e) {
    r.outcome = e instanceof ConfigError ? 'config_error' : 'other_error';
    r.errorName = e instanceof Error ? e.name : typeof e;
    r.message = (e instanceof Error ? e.message : String(e)).replaceAll(dir, '<dir>');
  }
  r.ms = performance.now() - t0;
  out(r);
  rmSync(dir, { recursive: true, force: true });
}
