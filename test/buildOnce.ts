/** Vitest global setup: compile dist/ once before any suite runs the installed CLI (bin/247trader.js). */
import { spawnSync } from 'node:child_process';
import { ROOT } from './helpers/cli.ts';

export default function setup(): void {
  const r = spawnSync('bash', ['scripts/build.sh', '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/build.sh failed (exit ${r.status}): ${r.stderr}`);
}
