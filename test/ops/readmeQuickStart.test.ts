/**
 * The README's first jq example after `npm start` shows a cycle record, also after the daemon was
 * stopped (the last line is then the `shutdown` record, all of whose cycle fields are null). The
 * command is read from the README itself and run by the shell on a real daemon's log.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, copyConfig, runCli, tempDir } from '../helpers/cli.ts';

describe('README quick start', () => {
  it('the first jq command after npm start then a cycle record, though the log ends with shutdown', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const after = readme.slice(readme.indexOf('`npm start` writes'));
    const command = /```bash\n([^\n]+)\n```/.exec(after)![1]!;
    expect(command).toContain('jq');

    const root = tempDir('247t-readme-');
    const r = runCli(['run', '--mode', 'DRY_RUN', '--clock', 'virtual', '--max-cycles', '3', '--config-dir', copyConfig(root), '--log-dir', join(root, 'logs'), '--data-dir', join(root, 'data')]);
    expect(r.code).toBe(0);
    const log = readFileSync(join(root, 'logs/247trader-v2_audit.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(log.at(-1)!).event).toBe('shutdown');

    const out = JSON.parse(execFileSync('sh', ['-c', command], { cwd: root, encoding: 'utf8' })) as Record<string, unknown>;
    expect(out).toMatchObject({ cycle: 3, config_hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(out.status).toMatch(/^(NO_TRADE|EXECUTED|NO_OPPORTUNITIES)$/);
    expect(out.timestamp).toBe('2026-01-01T00:02:00.000Z');
  });
});
