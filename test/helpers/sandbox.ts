import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ROOT, tempDir } from './cli.ts';

/**
 * A throwaway install of the project: its own config/, logs/ and data/, the real
 * scripts and sources, and the repo's node_modules linked in. Operator scripts run
 * here exactly as they would in a checkout.
 */
export class Sandbox {
  readonly root: string;

  constructor(edit?: (appYaml: string) => string) {
    this.root = tempDir('247t-sandbox-');
    // Timestamps kept: the compiled dist/ (built once by test/buildOnce.ts) stays newer than its sources.
    for (const f of ['src', 'config', 'scripts', 'bin', 'dist', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'app_run_live.sh', 'stop.sh']) {
      cpSync(join(ROOT, f), join(this.root, f), { recursive: true, preserveTimestamps: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(this.root, 'node_modules'));
    mkdirSync(join(this.root, 'logs'));
    // Tests run several daemons at once: no fixed metrics port.
    const app = join(this.root, 'config/app.yaml');
    let text = readFileSync(app, 'utf8').replace('metrics_port: 9464', 'metrics_port: 0');
    if (edit) text = edit(text);
    writeFileSync(app, text);
  }

  path(...p: string[]): string {
    return join(this.root, ...p);
  }

  /** Runs a shell command in the sandbox and waits for it. */
  sh(cmd: string, timeoutMs = 60_000): { code: number; stdout: string; stderr: string } {
    const r = spawnSync('bash', ['-c', cmd], { cwd: this.root, encoding: 'utf8', timeout: timeoutMs });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Parsed audit records (every line must parse). */
  records(): Record<string, unknown>[] {
    const f = this.path('logs/247trader-v2_audit.jsonl');
    if (!existsSync(f)) return [];
    return readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** The newest logs/live_*.log text. */
  liveLog(): string {
    const logs = readdirSync(this.path('logs')).filter((f) => f.startsWith('live_')).sort();
    return logs.length ? readFileSync(this.path('logs', logs.at(-1)!), 'utf8') : '';
  }

  pid(): number | undefined {
    const f = this.path('data/daemon.pid');
    return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : undefined;
  }
}

/**
 * The sandboxes of one test file: registers an afterEach that SIGKILLs any daemon a test left running
 * (whatever the test did), and returns the factory (`edit` as in Sandbox, `defaultEdit` when omitted).
 */
export function sandboxes(defaultEdit?: (appYaml: string) => string): (edit?: (appYaml: string) => string) => Sandbox {
  const boxes: Sandbox[] = [];
  afterEach(() => {
    for (const b of boxes.splice(0)) {
      const pid = b.pid();
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
  return (edit = defaultEdit) => {
    const b = new Sandbox(edit);
    boxes.push(b);
    return b;
  };
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True while a process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}
