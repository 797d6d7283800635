import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT, tempDir } from '../helpers/cli.ts';

/** True when Debian's prometheus (scripts/install-prometheus.sh) is on PATH. */
export const hasPrometheus = (): boolean => spawnSync('prometheus', ['--version']).status === 0;

/** A free loopback port (closed again at once; the caller binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Polls `fn` every 250 ms until it returns a value other than undefined, or throws `what` after `timeoutMs`. */
export async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One alert as /api/v1/alerts reports it. */
export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

/** A Prometheus child process on loopback with its own TSDB in a temp dir. */
export interface PromServer {
  url: string;
  /** The `for:` every alert was given in this test copy of alerts.yml. */
  forSeconds: number;
  alerts(): Promise<PromAlert[]>;
  query(promql: string): Promise<{ status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } }>;
  /** Seconds since epoch of the last evaluation of rule `name`, or 0 before the first. */
  lastEvaluation(name: string): Promise<number>;
  /** Up to the last 4 KB of its stderr, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts a real prometheus scraping `targets` every second, with config/prometheus/alerts.yml
 * evaluated every second and every `for:` shortened to `forSeconds` (5m in production).
 */
export async function startPrometheus(targets: string[], forSeconds = 3): Promise<PromServer> {
  const dir = tempDir('247t-prom-');
  const rules = readFileSync(join(ROOT, 'config/prometheus/alerts.yml'), 'utf8').replace(/^(\s+for:) \d+[smh]$/gm, `$1 ${forSeconds}s`);
  writeFileSync(join(dir, 'alerts.yml'), rules);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
      'rule_files: [alerts.yml]',
      'scrape_configs:',
      '  - job_name: 247trader',
      '    honor_labels: true',
      `    static_configs: [{ targets: ${JSON.stringify(targets)} }]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let stderr = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4096)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const getJson = async (path: string) => (await fetch(url + path)).json() as Promise<any>;

  try {
    await poll('prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
      return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
    }, 30_000);
  } catch (e) {
    await stop();
    throw new Error(`${e instanceof Error ? e.message : e}\n${stderr}`);
  }
  return {
    url,
    forSeconds,
    alerts: async () => (await getJson('/api/v1/alerts')).data.alerts as PromAlert[],
    query: async (promql) => getJson(`/api/v1/query?query=${encodeURIComponent(promql)}`),
    lastEvaluation: async (name) => {
      const groups = (await getJson('/api/v1/rules')).data.groups as { rules: { name: string; lastEvaluation: string }[] }[];
      const rule = groups.flatMap((g) => g.rules).find((r) => r.name === name);
      const t = rule ? Date.parse(rule.lastEvaluation) : NaN;
      return Number.isNaN(t) || t <= 0 ? 0 : t / 1000;
    },
    log: () => stderr,
    stop,
  };
}
