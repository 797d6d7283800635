/**
 * The code hash a sweep keys its results by: sha256 over the path and bytes of every file under
 * `src/` (sorted by path) and `package-lock.json`. A change to any source or dependency reruns
 * the jobs; a change elsewhere (tests, docs) does not.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

/** sha256 (hex) of the running sources and the lockfile. */
export function codeHash(root: string = ROOT): string {
  const h = createHash('sha256');
  const all = files(join(root, 'src'));
  const lock = join(root, 'package-lock.json');
  if (existsSync(lock)) all.push(lock);
  for (const f of all.map((p) => relative(root, p)).sort()) {
    h.update(`${f}\0`);
    h.update(readFileSync(join(root, f)));
    h.update('\0');
  }
  return h.digest('hex');
}
