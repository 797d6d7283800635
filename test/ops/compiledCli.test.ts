/**
 * The installed command: `247trader` (bin/247trader.js) runs the compiled dist/, and compiles it again
 * when a source is newer than the build, so an operator who edits src/ or pulls never runs stale code.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { copyConfig, ROOT, runCli, tempDir } from '../helpers/cli.ts';
import { Sandbox } from '../helpers/sandbox.ts';

const boxes: Sandbox[] = [];
afterEach(() => boxes.splice(0).forEach((b) => rmSync(b.root, { recursive: true, force: true })));

describe('the compiled 247trader command', () => {
  it('npx 247trader config hash in the checkout then the coreutils recipe\'s 16 characters', () => {
    const r = spawnSync('npx', ['247trader', 'config', 'hash'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const recipe = spawnSync('bash', ['-c', 'cat config/policy.yaml config/signals.yaml config/universe.yaml | sha256sum | cut -c1-16'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toBe(recipe.stdout);
  });

  it('a config with problems in three files then the compiled config hash refuses exactly as the tsx CLI does (exit 2, one line each)', () => {
    // dist/ runs bundled copies of zod and js-yaml (scripts/build-vendor.ts): the refusal must not change.
    const dir = copyConfig();
    const edit = (file: string, from: string, to: string) => {
      const p = join(dir, file);
      const text = readFileSync(p, 'utf8');
      expect(text).toContain(from);
      writeFileSync(p, text.replace(from, to));
    };
    edit('policy.yaml', 'max_open_positions: 8', 'max_open_positions: x');
    edit('signals.yaml', '\nregime:', '\nregimez:');
    edit('app.yaml', 'mode: DRY_RUN', 'mode: YOLO');
    const compiled = spawnSync(process.execPath, ['bin/247trader.js', 'config', 'hash', '--config-dir', dir], { cwd: ROOT, encoding: 'utf8' });
    const dev = runCli(['config', 'hash', '--config-dir', dir]);
    expect(compiled.stdout).toBe('');
    expect(compiled.status).toBe(2);
    const lines = compiled.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^error: .*(policy|signals|app)\.yaml: /);
    expect({ code: compiled.status, stderr: compiled.stderr }).toEqual({ code: dev.code, stderr: dev.stderr });
  });

  it('the command word picks what loads, and --help still lists every command, an unknown word exit 2 with a suggestion', () => {
    const help = spawnSync(process.execPath, ['bin/247trader.js', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(help.status).toBe(0);
    const listed = [...help.stdout.matchAll(/^  (\w+)/gm)].map((m) => m[1]);
    expect(listed).toEqual(['config', 'audit', 'run', 'pause', 'resume', 'flatten', 'exit', 'ledger', 'backtest', 'sim', 'help']);
    const typo = spawnSync(process.execPath, ['bin/247trader.js', 'confg', 'hash'], { cwd: ROOT, encoding: 'utf8' });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain("error: unknown command 'confg'");
    expect(typo.stderr).toContain('Did you mean config?');
  });

  it('--version or config hash then none of the daemon\'s libraries load; a sim run then no ccxt', () => {
    // The start-up cost of a command is the modules it loads: record every URL the module loader
    // loads (a loader hook writing to a file) and look for the heavy ones by name.
    const box = tempDir();
    const seen = join(box, 'loaded.txt');
    writeFileSync(join(box, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function load(url, ctx, next) { appendFileSync(${JSON.stringify(seen)}, url + '\\n'); return next(url, ctx); }\n`);
    writeFileSync(join(box, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(box, 'hooks.mjs')).href)});\n`);
    const loaded = (...args: string[]) => {
      rmSync(seen, { force: true });
      const r = spawnSync(process.execPath, ['--import', join(box, 'register.mjs'), 'bin/247trader.js', ...args], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(seen, 'utf8');
    };
    const heavy = /(node_modules|vendor)\/(ccxt|better-sqlite3|prom-client|pino)\b/;
    const version = loaded('--version');
    expect(version).not.toContain('/dist/commands/');
    expect(version).not.toMatch(heavy);
    const hash = loaded('config', 'hash');
    expect(hash).toContain('/dist/config/load.js');
    expect(hash).not.toMatch(heavy);
    expect(hash).not.toContain('/dist/audit/');
    const run = loaded('run', '--mode', 'PAPER', '--clock', 'virtual', '--config-dir', 'config', '--log-dir', join(box, 'logs'), '--data-dir', join(box, 'data'));
    expect(run).toContain('/dist/runner/mainLoop.js');
    expect(run).toContain('node_modules/better-sqlite3/');
    expect(run).not.toContain('node_modules/ccxt/');
  });

  it('a source edited after the build then the next start compiles dist/ again and runs the edit', () => {
    const box = new Sandbox();
    boxes.push(box);
    const stamp = () => statSync(box.path('dist/.build-stamp')).mtimeMs;
    const before = stamp();
    expect(box.sh('node bin/247trader.js config hash').code).toBe(0);
    expect(stamp()).toBe(before); // fresh build: nothing compiled

    // An operator's edit: the description of `config hash` in its --help.
    const file = box.path('src/commands/config.ts');
    const text = readFileSync(file, 'utf8');
    const edited = text.replace(/\.command\('hash'\)\s*\.description\('([^']*)'\)/, ".command('hash').description('$1 [edited here]')");
    expect(edited).not.toBe(text);
    writeFileSync(file, edited);
    const later = new Date(before + 5_000);
    utimesSync(file, later, later);

    const help = box.sh('node bin/247trader.js config hash --help', 120_000);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('[edited here]');
    expect(stamp()).toBeGreaterThan(before);
  }, 180_000);
});
