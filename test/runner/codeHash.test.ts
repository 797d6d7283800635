/**
 * Exact code identity: `code_hash` on the startup record is the coreutils recipe over the running
 * sources (src/ under tsx, dist/ under the compiled command) and package files, an edited source file
 * changes it and marks `code_version` `-dirty` on the next start, and `audit summary` shows the code
 * hashes seen under each config hash.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeCodeHash } from '../../src/runner/codeHash.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';
import { Sandbox } from '../helpers/sandbox.ts';

/** The recipe from runner/codeHash.ts, run by the shell in `root` over `dir`. */
const recipe = (root: string, dir: string) =>
  execFileSync('sh', ['-c', `sha256sum $(for f in package.json package-lock.json; do [ -f "$f" ] && echo "$f"; done) $(find ${dir} -type f | LC_ALL=C sort) | sha256sum | cut -c1-16`], { cwd: root, encoding: 'utf8' }).trim();

describe('code hash', () => {
  it('this checkout then equals the sha256sum recipe over package files and src/', () => {
    expect(computeCodeHash(ROOT, 'src').hash).toBe(recipe(ROOT, 'src'));
  });

  it('a compiled layout without src/ then computed over dist/ by the same recipe', () => {
    const root = tempDir('247t-dist-');
    writeFileSync(join(root, 'package.json'), '{"version":"0.1.0"}\n');
    mkdirSync(join(root, 'dist/runner'), { recursive: true });
    writeFileSync(join(root, 'dist/cli.js'), 'console.log(1)\n');
    writeFileSync(join(root, 'dist/runner/codeHash.js'), '// compiled\n');
    const h = computeCodeHash(root, 'dist');
    expect(h).toEqual({ hash: recipe(root, 'dist'), dir: 'dist', files: 3 });
  });

  it('a source file edited after the commit then the next start has a new code_hash and a -dirty version', () => {
    const box = new Sandbox();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: box.root, encoding: 'utf8' });
    cpSync(join(ROOT, '.gitignore'), box.path('.gitignore')); // dist/ is built, not committed
    git('init', '-q');
    git('add', '.gitignore', 'src', 'config', 'package.json', 'package-lock.json');
    git('commit', '-q', '-m', 'release');
    const commit = git('rev-parse', '--short=12', 'HEAD').trim();
    const { TRADER_COMMIT: _deployed, ...env } = process.env;
    const start = () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', '--clock', 'virtual', '--config-dir', 'config', '--log-dir', 'logs', '--data-dir', 'data'], { cwd: box.root, encoding: 'utf8', env });
      expect(r.stderr).toBe('');
      return box.records().filter((x) => x.event === 'startup').at(-1)!;
    };
    const clean = start();
    expect(clean).toMatchObject({ code_version: `0.1.0+${commit}`, code_hash: recipe(box.root, 'src'), code_dir: 'src' });

    // The compiled command runs dist/: the same recipe over what runs there.
    const compiled = spawnSync(process.execPath, ['bin/247trader.js', 'run', '--clock', 'virtual', '--config-dir', 'config', '--log-dir', 'logs', '--data-dir', 'data'], { cwd: box.root, encoding: 'utf8', env });
    expect(compiled.stderr).toBe('');
    const fromDist = box.records().filter((x) => x.event === 'startup').at(-1)!;
    expect(fromDist).toMatchObject({ code_version: `0.1.0+${commit}`, code_hash: recipe(box.root, 'dist'), code_dir: 'dist' });

    appendFileSync(box.path('src/core/risk.ts'), '// an operator edit\n');
    const edited = start();
    expect(edited.code_hash).toBe(recipe(box.root, 'src'));
    expect(edited.code_hash).not.toBe(clean.code_hash);
    expect(edited.code_version).toBe(`0.1.0+${commit}-dirty`);
    expect(edited.config_hash).toBe(clean.config_hash);

    // audit summary: one config hash, both code hashes under it.
    const s = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit', 'summary', '--json', 'logs/'], { cwd: box.root, encoding: 'utf8' });
    const summary = JSON.parse(s.stdout) as { buckets: { config_hash: string; code_hashes: string[] }[] };
    expect(summary.buckets).toHaveLength(1);
    expect(summary.buckets[0]!.code_hashes).toEqual([clean.code_hash, fromDist.code_hash, edited.code_hash]);
    const table = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit', 'summary', 'logs/'], { cwd: box.root, encoding: 'utf8' }).stdout;
    expect(table).toContain(`${clean.code_hash} ${fromDist.code_hash} ${edited.code_hash}`);
  }, 120_000);
});
