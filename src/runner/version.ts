import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeCodeHash, runningInstall, type CodeHash } from './codeHash.ts';

/** Package version, git commit and code hash of the running code, computed once at startup. */
export interface CodeVersion {
  version: string;
  commit: string;
  /** The running sources (or package files) differ from the commit (`git status` shows changes). */
  dirty: boolean;
  node: string;
  /** `<version>+<short commit>[-dirty]`, stamped on every record. */
  label: string;
  /** sha256 over the running sources and package files (see codeHash.ts), stamped on `startup`. */
  code: CodeHash;
  /** How long computing `code` took (startup cost; `npm run bench` reports it). */
  codeHashMs: number;
}

let cached: CodeVersion | undefined;

const git = (root: string, args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

/** The running code's identity (cached: computed on the first call). */
export function codeVersion(): CodeVersion {
  if (cached) return cached;
  const { root, codeDir } = runningInstall();
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  let commit = process.env.TRADER_COMMIT || 'unknown';
  let dirty = false;
  if (commit === 'unknown') {
    try {
      // One git call for both (each spawn is ~5-10 ms of every start): the commit from the `# branch.oid`
      // header (none before the first commit), dirty when any path line follows. Only the code counts: operators edit config/ in the same
      // checkout, and that is what the config hash is for. src/ always (a compiled dist/ is git-ignored:
      // its sources are what a commit pins).
      const code = [...new Set(['src', codeDir])];
      const lines = git(root, ['status', '--porcelain=v2', '--branch', '--', ...code, 'package.json', 'package-lock.json']).split('\n');
      const oid = /^# branch\.oid ([0-9a-f]{12})/.exec(lines.find((l) => l.startsWith('# branch.oid ')) ?? '');
      if (oid) {
        commit = oid[1]!;
        dirty = lines.some((l) => l !== '' && !l.startsWith('#'));
      }
    } catch {
      // Not a git checkout (a tarball deploy): the code hash still identifies the build.
    }
  }
  const t0 = performance.now();
  const code = computeCodeHash(root, codeDir);
  const codeHashMs = performance.now() - t0;
  cached = { version, commit, dirty, node: process.version, label: `${version}+${commit}${dirty ? '-dirty' : ''}`, code, codeHashMs };
  return cached;
}
