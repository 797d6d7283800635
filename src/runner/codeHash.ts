/**
 * The code hash: which exact code produced a record, beyond the git commit (an edited file, a
 * tarball deploy). Computed once at startup over the sources that are running, stamped on `startup`.
 *
 * Byte format (reproducible with coreutils from the install directory):
 *   files  = package.json, package-lock.json (each if present), then every regular file under the
 *            directory the running code was loaded from (`src/` under tsx, `dist/` when compiled;
 *            symlinks are not followed), in byte order of their paths (LC_ALL=C sort)
 *   lines  = for each file, `<sha256 hex of its bytes>  <path relative to the install>\n`
 *            (exactly the lines `sha256sum` prints)
 *   code_hash = first 16 hex chars of sha256(lines)
 * i.e. `sha256sum package.json package-lock.json $(find src -type f | LC_ALL=C sort) | sha256sum | cut -c1-16`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the code hash covers and its value. */
export interface CodeHash {
  /** 16 hex chars (format in the file header). */
  hash: string;
  /** The code directory it covers, relative to the install (`src` or `dist`). */
  dir: string;
  /** How many files went in. */
  files: number;
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The code hash of an install: `root` holds package.json, `codeDir` the running sources. */
export function computeCodeHash(root: string, codeDir: string): CodeHash {
  const paths = [
    ...['package.json', 'package-lock.json'].filter((f) => existsSync(join(root, f))),
    ...filesUnder(join(root, codeDir))
      .map((p) => relative(root, p))
      .sort(byBytes),
  ];
  const lines = createHash('sha256');
  for (const p of paths) lines.update(`${createHash('sha256').update(readFileSync(join(root, p))).digest('hex')}  ${p}\n`);
  return { hash: lines.digest('hex').slice(0, 16), dir: codeDir, files: paths.length };
}

/** The install this module runs from: the directory above the one holding the running code (src/ or dist/). */
export function runningInstall(): { root: string; codeDir: string } {
  const codeRoot = fileURLToPath(new URL('../', import.meta.url));
  const root = fileURLToPath(new URL('../../', import.meta.url));
  return { root, codeDir: relative(root, codeRoot) };
}
