/** `notifications:` in app.yaml: off by default, targets validated at startup, URLs never echoed. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { copyConfig, runCli } from '../helpers/cli.ts';

function withTargets(targets: string): string {
  const dir = copyConfig();
  const app = join(dir, 'app.yaml');
  writeFileSync(app, readFileSync(app, 'utf8').replace(/  targets: \[\].*$/m, `  targets:\n${targets}`));
  return dir;
}

describe('notifications config', () => {
  it('the shipped app.yaml then notifications are off with no targets', () => {
    expect(loadConfig(copyConfig()).app.notifications).toMatchObject({ enabled: false, targets: [] });
  });

  it('a target whose ${VAR} is unset then config validate exits 2 naming the key', () => {
    const dir = withTargets('    - {name: ops, format: slack, url: "${SLACK_URL_UNSET_IN_TEST}", events: [halt]}');
    const r = runCli(['config', 'validate', '--config-dir', dir], { env: { SLACK_URL_UNSET_IN_TEST: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('notifications.targets[0].url');
  });

  it('a telegram target without chat_id then refused, and the bot token in its URL is not echoed', () => {
    const dir = withTargets('    - {name: tg, format: telegram, url: "${TG_URL}", events: [halt]}');
    const r = runCli(['config', 'validate', '--config-dir', dir], { env: { TG_URL: 'https://api.telegram.org/bot123456:SECRET-abcdefghijklmnop/sendMessage' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('notifications.targets[0].chat_id');
    expect(r.stderr).not.toContain('SECRET');
  });

  it('a misspelt key whose ${VAR} is unset (chat_idd, api_secrets) then refused as an unknown key, not silently dropped', () => {
    const dir = withTargets('    - {name: tg, format: telegram, url: "http://127.0.0.1:9/x", chat_id: "1", chat_idd: "${CHAT_UNSET_IN_TEST}", events: [halt]}');
    const app = join(dir, 'app.yaml');
    writeFileSync(app, readFileSync(app, 'utf8').replace('    api_secret: ', '    api_secrets: '));
    const r = runCli(['config', 'validate', '--config-dir', dir], { env: { COINBASE_API_SECRET: '', CHAT_UNSET_IN_TEST: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown key/);
    expect(r.stderr).toMatch(/api_secrets|chat_idd/);
  });

  it('a target with an event that does not exist then refused naming the allowed ones', () => {
    const dir = withTargets('    - {name: ops, format: generic, url: "http://127.0.0.1:9/x", events: [fills]}');
    const r = runCli(['config', 'validate', '--config-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('notifications.targets[0].events[0]');
  });
});
