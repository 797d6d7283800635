/**
 * The code hash a sweep keys its results by: sha256 over the path and bytes of every file of the
 * running code (`src/` under tsx, `dist/` when compiled; dot-files such as the build stamp left
 * out), sorted by path, and the `package-lock.json` beside it. A change to any source or
 * dependency reruns the jobs; a change elsewhere (tests, docs) does not.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory this module was loaded from, two levels up: src/ or dist/. */
const CODE_DIR = fileURLToPath(new URL('../../', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name.startsWith('.') ? [] : e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

/** sha256 (hex) of the running code and the lockfile. */
export function codeHash(codeDir: string = CODE_DIR): string {
  const root = join(codeDir, '..');
  const all = files(codeDir);
  const lock = join(root, 'package-lock.json');
  if (existsSync(lock)) all.push(lock);
  const h = createHash('sha256');
  for (const f of all.map((p) => relative(root, p)).sort()) {
    h.update(`${f}\0`);
    h.update(readFileSync(join(root, f)));
    h.update('\0');
  }
  return h.digest('hex');
}
