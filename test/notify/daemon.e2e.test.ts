/**
 * Notifications from the real daemon (app_run_live.sh, PAPER, wall clock) to a webhook receiver
 * in this process, the webhook URL (with its secret path) given in the environment only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sandboxes, waitFor } from '../helpers/sandbox.ts';
import { Receiver } from './receiver.ts';

const sandbox = sandboxes();
let receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers) await r.close();
  receivers = [];
});

const TARGETS = `  targets:
    - name: ops
      format: slack
      url: \${SLACK_WEBHOOK_URL}
      events: [startup, shutdown, halt, resume]`;

describe('notifications from a running daemon', () => {
  it('start, kill switch, stop then startup, halt and shutdown reach the receiver and the webhook URL is never logged', async () => {
    const rx = await Receiver.start();
    receivers.push(rx);
    const secret = '/services/T0000/B0000/SECRETsecretSECRET';
    const box = sandbox((app) => app.replace(/notifications:\n  enabled: false/, 'notifications:\n  enabled: true').replace(/  targets: \[\].*$/m, TARGETS));
    expect(box.sh(`SLACK_WEBHOOK_URL=${rx.url(secret)} ./app_run_live.sh --loop --paper --interval 1`).code).toBe(0);
    await waitFor('the startup message', () => rx.got.length >= 1);
    box.sh('touch data/KILL_SWITCH');
    await waitFor('the halt message', () => rx.got.length >= 2);
    expect(box.sh('./stop.sh').code).toBe(0);
    await waitFor('the shutdown message', () => rx.got.length >= 3);
    const texts = rx.got.map((g) => String(g.body.text).split('\n')[0]);
    const hash = String(box.records()[0]!.config_hash).slice(0, 8);
    expect(texts).toEqual([`[trader-1 ${hash}] started in PAPER`, `[trader-1 ${hash}] trading HALTED: kill_switch`, `[trader-1 ${hash}] stopped (signal SIGTERM)`]);
    expect(rx.got.every((g) => g.path === secret)).toBe(true);
    expect(box.liveLog()).not.toContain('SECRETsecret');
    expect(JSON.stringify(box.records())).not.toContain('SECRETsecret');
  });
});
