#!/usr/bin/env node
// The installed `247trader` command: runs the compiled CLI in dist/, compiling it first when dist/ is
// missing or older than a source it is built from (a checkout after `git pull` or an edit), so an
// operator never runs stale code by accident. Installed without src/ (a packed build), it only runs dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist', '.build-stamp');

/** Newest mtime (ms) of the files under dir. ~100 stats: a few ms, paid on every start. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function stale() {
  if (!existsSync(join(root, 'src'))) return false;
  if (!existsSync(stamp) || !existsSync(join(root, 'dist', 'cli.js'))) return true;
  const inputs = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => join(root, f)).filter((f) => existsSync(f));
  return Math.max(newest(join(root, 'src')), ...inputs.map((f) => statSync(f).mtimeMs)) > statSync(stamp).mtimeMs;
}

if (stale()) {
  // scripts/build.sh decides again under its lock (another start may be building right now).
  const r = spawnSync('bash', [join(root, 'scripts', 'build.sh'), '--if-stale'], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    process.stderr.write('error: 247trader: could not compile src/ to dist/ (see above)\n');
    process.exit(1);
  }
}
await import('../dist/cli.js');
