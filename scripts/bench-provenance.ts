/**
 * Provenance figures for the bench table:
 *   - code hash at startup: computeCodeHash over this checkout's src/ and package files, cold (the
 *     first run, as a daemon start pays it) and the median of 20 warm runs. Target: < 50 ms.
 *   - `config diff` of a 10,000-line file: unifiedDiff (jsdiff) with 10 scattered one-line edits,
 *     median of 5, against the system `diff -u` on the same two files. Target: < 200 ms.
 * Run alone: `npx tsx scripts/bench-provenance.ts`; scripts/bench.ts calls benchProvenance().
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unifiedDiff } from '../src/audit/diff.ts';
import { computeCodeHash } from '../src/runner/codeHash.ts';
import type { BenchRow } from './benchRow.ts';

const ROOT = resolve(import.meta.dirname, '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const time = (f: () => unknown): number => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};

/** The provenance rows of `npm run bench`. */
export async function benchProvenance(): Promise<BenchRow[]> {
  const cold = time(() => computeCodeHash(ROOT, 'src'));
  const warm = median(Array.from({ length: 20 }, () => time(() => computeCodeHash(ROOT, 'src'))));
  const files = computeCodeHash(ROOT, 'src').files;

  const lines = Array.from({ length: 10_000 }, (_, i) => `key_${i}: ${i * 7} # comment ${i % 13}`);
  const a = Buffer.from(`${lines.join('\n')}\n`);
  for (let k = 0; k < 10; k++) lines[k * 997] = `key_${k * 997}: changed`;
  const b = Buffer.from(`${lines.join('\n')}\n`);
  const diffMs = median(Array.from({ length: 5 }, () => time(() => unifiedDiff(a, b, 'a', 'b'))));
  const dir = mkdtempSync(join(tmpdir(), '247t-bench-diff-'));
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  const sysMs = median(Array.from({ length: 5 }, () => time(() => spawnSync('diff', ['-u', 'a', 'b'], { cwd: dir }))));

  return [
    { name: `code hash at startup, cold (${files} files)`, value: round(cold), unit: 'ms', target: '< 50 ms', ok: cold < 50, ...(cold >= 50 && { note: `${round(cold)} ms: the files are read and hashed one by one; a cold page cache is the usual cause` }) },
    { name: 'code hash, warm (median of 20)', value: round(warm), unit: 'ms', target: '< 50 ms', ok: warm < 50 },
    { name: 'config diff of a 10,000-line file, 10 edits (median of 5)', value: round(diffMs), unit: 'ms', baseline: `diff -u ${round(sysMs)} ms (incl. spawn)`, target: '< 200 ms', ok: diffMs < 200, ...(diffMs >= 200 && { note: `${round(diffMs)} ms` }) },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await benchProvenance()) console.log(`${r.name}: ${r.value} ${r.unit} (${r.ok ? 'OK' : 'MISSED'})${r.baseline ? `; ${r.baseline}` : ''}`);
}
