/**
 * Notifications from a real TradingLoop (PAPER, sim market, virtual clock pinned to 2026-01-01,
 * 15-minute cycles) to a real webhook receiver on loopback, its URL from the environment.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { copyConfig, tempDir } from '../helpers/cli.ts';
import { waitFor } from '../helpers/sandbox.ts';
import { Receiver } from './receiver.ts';

const START = Date.parse('2026-01-01T00:00:00Z');
type Rec = Record<string, unknown>;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(events: string) {
  const rx = await Receiver.start();
  cleanup.push(() => rx.close());
  const root = tempDir('247t-notify-');
  const configDir = copyConfig(root);
  const app = join(configDir, 'app.yaml');
  const text = readFileSync(app, 'utf8').replace(/\nnotifications:[\s\S]*$/, '\n');
  writeFileSync(
    app,
    `${text}notifications:\n  enabled: true\n  daily_summary_utc: "06:00"\n  per_minute: 600\n  queue_size: 1000\n  max_retries: 0\n  timeout_seconds: 30\n  targets:\n    - name: ops\n      format: generic\n      url: \${NOTIFY_URL}\n      events: [${events}]\n`,
  );
  const loop = new TradingLoop({
    configDir,
    mode: 'PAPER',
    logDir: join(root, 'logs'),
    dataDir: join(root, 'data'),
    clock: new VirtualClock(START),
    intervalSeconds: 900,
    logger: silentLogger(),
    env: { NOTIFY_URL: rx.url('/hook') },
  });
  const records = () =>
    readFileSync(loop.auditFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Rec);
  return { rx, loop, configDir, records };
}

describe('notifications from the trading loop', () => {
  it('a two-day PAPER run then startup, each fill, drift, pause and resume, one daily summary per UTC day at 06:00, and shutdown arrive', async () => {
    const { rx, loop, configDir, records } = await setup('startup, shutdown, halt, resume, fill, config_drift, daily_summary');
    await loop.start();
    await loop.run(new AbortController().signal, { maxCycles: 100 });
    const policy = join(configDir, 'policy.yaml');
    writeFileSync(policy, `${readFileSync(policy, 'utf8')}\n# edited while running\n`);
    await loop.run(new AbortController().signal, { maxCycles: 200 });
    loop.control({ action: 'pause', by: 'ops', reason: 'test', source: 'api' });
    loop.control({ action: 'resume', by: 'ops', reason: 'test', source: 'api' });
    await loop.stop('test');

    const fills = records()
      .filter((r) => r.event === 'cycle')
      .flatMap((r) => (r.orders as Rec[]).filter((o) => o.success === true && o.status === 'filled'));
    expect(fills.length).toBeGreaterThan(0);
    const expected = 1 + fills.length + 1 + 2 + 2 + 1; // startup, fills, drift, 2 summaries, halt + resume, shutdown
    await waitFor('every notification', () => rx.got.length >= expected, 20_000);
    const got = rx.got.map((g) => g.body);
    expect(got).toHaveLength(expected);
    expect(got[0]).toMatchObject({ event: 'startup', fields: { mode: 'PAPER', config_hash: loop.configHash } });
    expect(got.at(-1)).toMatchObject({ event: 'shutdown', fields: { cycles_run: 200 } });
    expect(got.filter((b) => b.event === 'fill').map((b) => (b.fields as Rec).client_order_id)).toEqual(fills.map((o) => o.client_order_id));
    expect(got.filter((b) => b.event === 'daily_summary').map((b) => [b.timestamp, (b.fields as Rec).day])).toEqual([
      ['2026-01-01T06:00:00.000Z', '2026-01-01'],
      ['2026-01-02T06:00:00.000Z', '2026-01-02'],
    ]);
    expect(got.filter((b) => b.event === 'config_drift')).toHaveLength(1);
    expect(got.filter((b) => b.event === 'halt' || b.event === 'resume').map((b) => b.title)).toEqual(['trading HALTED: operator_pause', 'trading resumed by ops']);
    for (const b of got) expect(String(b.text)).toMatch(new RegExp(`^\\[trader-1 ${loop.configHash.slice(0, 8)}\\] `));
  }, 120_000);

  it('a receiver that never answers then every cycle still completes and is recorded, and stop returns', async () => {
    const { rx, loop, records } = await setup('startup, shutdown, fill, daily_summary');
    rx.fallback = 'hang';
    await loop.start();
    await loop.run(new AbortController().signal, { maxCycles: 150 });
    expect(loop.cycles).toBe(150);
    expect(records().filter((r) => r.event === 'cycle')).toHaveLength(150);
    await waitFor('the first message to reach the hanging receiver', () => rx.arrived >= 1);
    await loop.stop('test');
    expect(records().at(-1)).toMatchObject({ event: 'shutdown', cycles_run: 150 });
    // What never got out is counted, not lost silently.
    expect(await loop.metrics.metricsText()).toMatch(/^trader_notifications_failed_total\{[^}]*target="ops"[^}]*\} [1-9]/m);
  }, 120_000);
});
