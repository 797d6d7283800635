import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/registry.ts';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';
import { freePort, hasPrometheus, poll, startPrometheus, type PromServer } from './prometheusServer.ts';
import { parseProm } from './promText.ts';

// Bounded waits: generous for a loaded 2-core CI machine, never asserted as a speed.
const FIRE_WAIT_MS = 60_000;
const DRIFT = 'ConfigDriftAcrossInstances';

if (!hasPrometheus()) console.warn('SKIPPED: prometheus not installed; run scripts/install-prometheus.sh (CI does) for the end-to-end alert test');

/** Awaits every setup step, so afterAll sees all that was started, then throws the first failure. */
async function settled<T extends unknown[]>(...steps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(steps);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as T;
}

/** Waits until Prometheus reports the drift alert firing, and returns it. */
async function driftFiring(prom: PromServer) {
  return poll(
    `${DRIFT} to fire`,
    async () => (await prom.alerts()).find((a) => a.labels.alertname === DRIFT && a.state === 'firing'),
    FIRE_WAIT_MS,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\nprometheus log:\n${prom.log()}`);
  });
}

/**
 * Waits until Prometheus sees both instances and has evaluated the drift rule for longer than
 * the rule's `for:` since then (so a true condition would have fired), then returns the alerts.
 */
async function alertsAfterAFullForWindow(prom: PromServer, instances: number) {
  const seenAt = await poll(
    `${instances} instances scraped`,
    async () => {
      const r = await prom.query('count(trader_config_info)');
      // Prometheus's own evaluation time, compared below with its own rule evaluations (not our clock).
      const sample = r.data?.result[0]?.value;
      return sample && Number(sample[1]) === instances ? Number(sample[0]) : undefined;
    },
    FIRE_WAIT_MS,
  );
  await poll(`${DRIFT} evaluated for ${prom.forSeconds + 2}s after both were scraped`, async () => ((await prom.lastEvaluation(DRIFT)) > seenAt + prom.forSeconds + 2 ? true : undefined), FIRE_WAIT_MS);
  return prom.alerts();
}

describe.skipIf(!hasPrometheus())('drift alert on a real Prometheus (in-process metrics servers)', () => {
  const servers: MetricsServer[] = [];
  const proms: PromServer[] = [];
  let differing: PromServer;
  let equalAlerts: Promise<Awaited<ReturnType<PromServer['alerts']>>>;

  async function fleet(hashes: Record<string, string>): Promise<PromServer> {
    const targets: string[] = [];
    for (const [instanceId, configHash] of Object.entries(hashes)) {
      const metrics = createMetrics({ instanceId, mode: 'DRY_RUN', configHash, version: '0.1.0', commit: 'test', intervalSeconds: 1 });
      const s = await startMetricsServer({ port: 0, metrics, health: () => ({ ok: true }), ready: () => true });
      servers.push(s);
      targets.push(`127.0.0.1:${s.port}`);
    }
    const p = await startPrometheus(targets);
    proms.push(p);
    return p;
  }

  beforeAll(async () => {
    // Both fleets at once: the waits overlap.
    let equal: PromServer;
    [differing, equal] = await settled(
      fleet({ 'trader-a': 'aaaa111122223333', 'trader-b': 'bbbb444455556666' }),
      fleet({ 'trader-c': 'cccc777788889999', 'trader-d': 'cccc777788889999' }),
    );
    // The equal fleet's window runs while the first test waits for the other fleet to fire.
    equalAlerts = alertsAfterAFullForWindow(equal, 2);
    equalAlerts.catch(() => {}); // awaited (and reported) by its test
  });

  afterAll(async () => {
    await Promise.all(proms.map((p) => p.stop()));
    await Promise.all(servers.map((s) => s.close()));
  });

  it('two instances with different config hashes then the drift alert fires naming both', async () => {
    const alert = await driftFiring(differing);
    expect(alert.annotations.summary).toBe('247trader instances run 2 different configurations');
    expect(alert.annotations.description).toContain('(instance=config_hash): trader-a=aaaa111122223333, trader-b=bbbb444455556666.');
    // honor_labels kept the daemons' own instance ids.
    const info = await differing.query('trader_config_info');
    expect(info.data!.result.map((r) => `${r.metric.instance}=${r.metric.config_hash}`).sort()).toEqual(['trader-a=aaaa111122223333', 'trader-b=bbbb444455556666']);
  });

  it('two instances with the same config hash then the drift alert neither pends nor fires', async () => {
    const alerts = await equalAlerts;
    expect(alerts.filter((a) => a.labels.alertname === DRIFT)).toEqual([]);
  });

  it('every dashboard query then valid PromQL on the same Prometheus', async () => {
    const dash = JSON.parse(readFileSync(join(ROOT, 'config/grafana/dashboard.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
      annotations: { list: { expr: string }[] };
    };
    const exprs = [...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dash.annotations.list.map((a) => a.expr)];
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs) {
      const promql = expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h').replaceAll('$instance', '.*');
      const r = await differing.query(promql);
      expect({ expr, status: r.status, error: r.error }).toEqual({ expr, status: 'success', error: undefined });
    }
  });
});

// ---- the same proof with real daemons -------------------------------------------------------
// Contract: `tsx src/cli.ts run --mode DRY_RUN --loop --interval 1 --config-dir … --log-dir …
// --data-dir …` serves /metrics, /healthz and /readyz on app.yaml monitoring.bind:metrics_port.
// Skipped only where Prometheus is not installed (.ci/run installs it).

const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** The config hash recipe from DESIGN.md, computed independently of src/config. */
const hashOf = (configDir: string): string =>
  createHash('sha256')
    .update(Buffer.concat(['policy.yaml', 'signals.yaml', 'universe.yaml'].map((f) => readFileSync(join(configDir, f)))))
    .digest('hex')
    .slice(0, 16);

interface Daemon {
  instanceId: string;
  port: number;
  hash: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

/** A DRY_RUN daemon in its own temp dir (config copy, logs, data, cwd for the kill switch file). */
async function startDaemon(root: string, instanceId: string, policySuffix: string): Promise<Daemon> {
  const dir = join(root, instanceId);
  const cfg = join(dir, 'config');
  mkdirSync(dir, { recursive: true });
  cpSync(join(ROOT, 'config'), cfg, { recursive: true });
  rmSync(join(cfg, 'prometheus'), { recursive: true, force: true });
  rmSync(join(cfg, 'grafana'), { recursive: true, force: true });
  const port = await freePort();
  const app = readFileSync(join(cfg, 'app.yaml'), 'utf8')
    .replace(/^instance_id: .*$/m, `instance_id: ${instanceId}`)
    .replace(/^(\s+)enabled: .*$/m, '$1enabled: true')
    .replace(/^(\s+)bind: .*$/m, '$1bind: 127.0.0.1')
    .replace(/^(\s+)metrics_port: .*$/m, `$1metrics_port: ${port}`);
  writeFileSync(join(cfg, 'app.yaml'), app);
  // A comment changes the bytes, hence the hash, and nothing else.
  if (policySuffix) writeFileSync(join(cfg, 'policy.yaml'), readFileSync(join(cfg, 'policy.yaml'), 'utf8') + policySuffix);
  const args = ['--import', TSX_LOADER, join(ROOT, 'src/cli.ts'), 'run', '--mode', 'DRY_RUN', '--loop', '--interval', '1'];
  args.push('--config-dir', cfg, '--log-dir', join(dir, 'logs'), '--data-dir', join(dir, 'data'));
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-8192));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { instanceId, port, hash: hashOf(cfg), child, output: () => out, exited };
}

async function stopDaemon(d: Daemon): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  d.child.kill('SIGTERM');
  const killer = setTimeout(() => d.child.kill('SIGKILL'), 15_000);
  await d.exited;
  clearTimeout(killer);
}

describe.skipIf(!hasPrometheus())('drift alert on a real Prometheus (two daemons on loopback)', () => {
  const root = tempDir('247t-fleet-');
  const daemons: Daemon[] = [];
  const proms: PromServer[] = [];

  async function fleet(policySuffixes: Record<string, string>): Promise<{ prom: PromServer; daemons: Daemon[] }> {
    const mine: Daemon[] = [];
    for (const [id, suffix] of Object.entries(policySuffixes)) {
      const d = await startDaemon(root, id, suffix);
      daemons.push(d); // before anything can fail, so afterAll stops it
      mine.push(d);
    }
    await settled(
      ...mine.map((d) =>
        poll(
        `${d.instanceId} /readyz`,
        async () => {
          if (d.child.exitCode !== null) throw new Error(`${d.instanceId} exited ${d.child.exitCode}: ${d.output()}`);
          return (await fetch(`http://127.0.0.1:${d.port}/readyz`)).ok ? true : undefined;
        },
        FIRE_WAIT_MS,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${d.instanceId} output:\n${d.output()}`);
      }),
      ),
    );
    const prom = await startPrometheus(mine.map((d) => `127.0.0.1:${d.port}`));
    proms.push(prom);
    return { prom, daemons: mine };
  }

  let differing: { prom: PromServer; daemons: Daemon[] };
  let equal: { prom: PromServer; daemons: Daemon[] };

  beforeAll(async () => {
    [differing, equal] = await settled(
      fleet({ 'fleet-a': '', 'fleet-b': '\n# fleet-b: a different configuration\n' }),
      fleet({ 'fleet-c': '', 'fleet-d': '' }),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(daemons.map(stopDaemon));
    await Promise.all(proms.map((p) => p.stop()));
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('daemon /metrics then trader_config_info carries the same hash as the config files', async () => {
    for (const d of [...differing.daemons, ...equal.daemons]) {
      const samples = parseProm(await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text());
      const info = samples.filter((s) => s.name === 'trader_config_info');
      expect(info.map((s) => [s.labels.instance, s.labels.config_hash, s.labels.mode, s.value])).toEqual([[d.instanceId, d.hash, 'DRY_RUN', 1]]);
    }
    expect(differing.daemons[0]!.hash).not.toBe(differing.daemons[1]!.hash);
    expect(equal.daemons[0]!.hash).toBe(equal.daemons[1]!.hash);
  });

  it('two daemons with different configs then the drift alert fires naming both', async () => {
    const [a, b] = differing.daemons as [Daemon, Daemon];
    const alert = await driftFiring(differing.prom);
    expect(alert.annotations.description).toContain(`fleet-a=${a.hash}, fleet-b=${b.hash}.`);
  });

  it('two daemons with equal configs then the drift alert neither pends nor fires', async () => {
    const alerts = await alertsAfterAFullForWindow(equal.prom, 2);
    expect(alerts.filter((a) => a.labels.alertname === DRIFT)).toEqual([]);
  });
});
