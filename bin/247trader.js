#!/usr/bin/env node
// The installed `247trader` command: runs the compiled CLI in dist/, compiling it first when dist/ is
// missing or older than a source it is built from (a checkout after `git pull` or an edit), so an
// operator never runs stale code by accident. Installed without src/ (a packed build), it only runs dist/.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const stamp = new URL('dist/.build-stamp', root);

/**
 * dist/ is stale when it has no stamp, or when a source the stamp lists (scripts/build.sh writes every
 * file of src/ and the package files) is gone or newer than the stamp. A new source matters only once
 * an existing one imports it, and that edit is seen. ~200 stats, ~1 ms; walking src/ took ~3 ms (dev VM).
 */
function stale() {
  if (!statSync(new URL('src', root), { throwIfNoEntry: false })) return false;
  const built = statSync(stamp, { throwIfNoEntry: false });
  if (!built || !statSync(new URL('dist/cli.js', root), { throwIfNoEntry: false })) return true;
  for (const path of readFileSync(stamp, 'utf8').split('\n')) {
    if (path === '') continue;
    const s = statSync(new URL(path, root), { throwIfNoEntry: false });
    if (!s || s.mtimeMs > built.mtimeMs) return true;
  }
  return false;
}

if (stale()) {
  // scripts/build.sh decides again under its lock (another start may be building right now).
  // child_process is imported only here: ~2 ms that a fresh dist/ need not pay.
  const [{ spawnSync }, { fileURLToPath }] = await Promise.all([import('node:child_process'), import('node:url')]);
  const r = spawnSync('bash', [fileURLToPath(new URL('scripts/build.sh', root)), '--if-stale'], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    process.stderr.write('error: 247trader: could not compile src/ to dist/ (see above)\n');
    process.exit(1);
  }
}
await import('../dist/cli.js');
