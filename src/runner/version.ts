import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Package version and git commit of the running code, read once at startup. */
export interface CodeVersion {
  version: string;
  commit: string;
  node: string;
  /** `<version>+<short commit>`, stamped on every record. */
  label: string;
}

let cached: CodeVersion | undefined;

export function codeVersion(): CodeVersion {
  if (cached) return cached;
  const root = new URL('../../', import.meta.url);
  const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };
  let commit = process.env.TRADER_COMMIT ?? 'unknown';
  if (commit === 'unknown') {
    try {
      commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // Not a git checkout (a tarball deploy): the package version still identifies the build.
    }
  }
  cached = { version, commit, node: process.version, label: `${version}+${commit}` };
  return cached;
}
