/**
 * Build step (scripts/build.sh, after tsc): bundles each start-up dependency into one file under
 * `<dist>/vendor/` and points the compiled modules' imports at it. Node 20 loads an ES module file by
 * file (resolve, read, compile, link) and has no compile cache: zod alone is 95 files, ~49 ms to import
 * from node_modules vs ~24 ms as one file; commander 11 → 6 ms, pino 20 → 10 ms, prom-client 33 → 16 ms
 * (measured on the dev VM, scripts/bench-stress.ts --startup gives the end-to-end figures). Our own
 * modules stay one file each, where tsc put them (import.meta.url-relative files such as the status
 * page and the sweep worker keep working).
 *
 * Usage: `tsx scripts/build-vendor.ts <dist dir>`. The names each package must export are read from the
 * compiled imports themselves, so a new `import { x } from 'zod'` needs no change here.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * Pure-JS packages on the start-up paths (`config hash`, `run`). Not here: better-sqlite3 (a native
 * addon), ccxt (loaded lazily, only for a real exchange), and packages only slower commands use.
 */
const VENDORED = ['zod', 'commander', 'js-yaml', 'pino', 'prom-client'] as const;

const IMPORT = new RegExp(`^import\\s+([^'";]+?)\\s+from\\s+'(${VENDORED.join('|')})';`, 'gm');
const OTHER_USE = new RegExp(`(?:export\\s[^;]*?from|import\\()\\s*'(${VENDORED.join('|')})'`);

/**
 * zod's `z.locales` namespace holds every language's error messages (~250 files, more than half the
 * bundle); the messages we print are zod's default English, which zod's schemas import on their own
 * (zod/v4/classic/schemas.js imports locales/en.js). Left out: zod 454 → 193 kB, ~20 ms less per start.
 */
const noZodLocales: Plugin = {
  name: 'no-zod-locales',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (a) => (a.resolveDir.includes(`${sep}zod${sep}`) ? { path: a.path, namespace: 'no-zod-locales' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'no-zod-locales' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
}

/** The names one import clause takes (`x`, `{ a as b, c }`, `x, { a }`); a namespace import is refused. */
function importedNames(clause: string, file: string): string[] {
  if (clause.includes('*')) throw new Error(`${file}: namespace import of a vendored package (import the names instead): ${clause}`);
  const braces = /\{([^}]*)\}/.exec(clause);
  const def = clause.replace(/\{[^}]*\}/, '').replace(',', '').trim();
  const named = braces ? braces[1]!.split(',').map((s) => s.trim().split(/\s+as\s+/)[0]!).filter(Boolean) : [];
  return [...(def ? ['default'] : []), ...named];
}

async function main(dist: string): Promise<void> {
  const names = new Map<string, Set<string>>(VENDORED.map((p) => [p, new Set()]));
  const files = jsFiles(dist).filter((f) => !f.startsWith(join(dist, 'vendor')));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const other = OTHER_USE.exec(text);
    if (other) throw new Error(`${file}: only static imports of ${other[1]} can be vendored`);
    let changed = false;
    const out = text.replace(IMPORT, (_m, clause: string, pkg: string) => {
      for (const n of importedNames(clause, file)) names.get(pkg)!.add(n);
      changed = true;
      const target = relative(dirname(file), join(dist, 'vendor', `${pkg}.js`));
      return `import ${clause} from '${target.startsWith('.') ? target : `./${target}`}';`;
    });
    if (changed) writeFileSync(file, out);
  }
  for (const [pkg, used] of names) {
    if (used.size === 0) continue;
    await build({
      stdin: { contents: `export { ${[...used].sort().join(', ')} } from '${pkg}';`, resolveDir: process.cwd(), loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(dist, 'vendor', `${pkg}.js`),
      // CommonJS packages (commander, pino, prom-client) call require() for Node's built-ins.
      banner: { js: "import { createRequire as __vendorRequire } from 'node:module'; const require = __vendorRequire(import.meta.url);" },
      // Less source to compile at every start: zod 755 → 457 kB, ~4 ms less to import (dev VM).
      minify: true,
      legalComments: 'inline',
      logLevel: 'warning',
      plugins: pkg === 'zod' ? [noZodLocales] : [],
    });
  }
}

await main(process.argv[2] ?? 'dist');
