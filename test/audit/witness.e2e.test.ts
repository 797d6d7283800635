/**
 * The off-host witness against a real Prometheus: a DRY_RUN daemon (the CLI process, 1 s loop)
 * exports trader_audit_seq and trader_audit_chain_head, Prometheus scrapes it every second; after a
 * few scrapes the daemon stops. `audit verify --witness` passes on the untouched log; on a copy
 * rewritten from an edited record onwards (chains and head file recomputed, so plain verify passes)
 * it fails naming a seq the witness saw and when. Skipped only where Prometheus is not installed.
 */
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealRecord } from '../../src/audit/chain.ts';
import { CLI, copyConfig, ROOT, runCli, tempDir } from '../helpers/cli.ts';
import { editYaml } from '../live/helpers.ts';
import { freePort, hasPrometheus, poll, startPrometheus, type PromServer } from '../metrics/prometheusServer.ts';

const AUDIT = '247trader-v2_audit.jsonl';
const INSTANCE = 'witness-a';
const WAIT_MS = 60_000;

const parse = (l: string) => JSON.parse(l) as Record<string, unknown> & { seq: number; chain: string };

/** Edits record `seq`, recomputes every later chain and the head file (as in digests.test.ts). */
function forge(logDir: string, seq: number): void {
  const file = join(logDir, AUDIT);
  const recs = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(parse);
  const at = recs.findIndex((r) => r.seq === seq);
  let prev = recs[at - 1]!.chain;
  const out = recs.slice(0, at).map((r) => JSON.stringify(r));
  for (const r of recs.slice(at)) {
    const { seq: s, chain: _c, ...body } = r;
    if (s === seq) body.no_trade_reason = 'rewritten';
    const sealed = sealRecord(body, s, prev);
    out.push(sealed.line.slice(0, -1));
    prev = sealed.chain;
  }
  writeFileSync(file, `${out.join('\n')}\n`);
  writeFileSync(`${file}.head`, `${JSON.stringify({ seq: recs.at(-1)!.seq, chain: prev, file: AUDIT, hmac: false, updated: new Date(0).toISOString() })}\n`);
}

describe.skipIf(!hasPrometheus())('verify --witness against a real Prometheus', () => {
  const root = tempDir('247t-witness-');
  const logDir = join(root, 'logs');
  let prom: PromServer;
  /** Every seq Prometheus stored for the daemon (raw samples). */
  let witnessed: number[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const configDir = copyConfig(root);
    editYaml(configDir, 'app.yaml', (d) => {
      d.instance_id = INSTANCE;
      d.monitoring = { ...d.monitoring, enabled: true, bind: '127.0.0.1', metrics_port: port };
    });
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', '--mode', 'DRY_RUN', '--loop', '--interval', '1', '--config-dir', configDir, '--log-dir', logDir, '--data-dir', join(root, 'data')], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      prom = await startPrometheus([`127.0.0.1:${port}`]);
      // A few scrapes of a moving log: at least six distinct seqs witnessed.
      await poll(
        'six witnessed seqs',
        async () => {
          const raw = await prom.query(`trader_audit_seq{instance="${INSTANCE}"}[5m]`);
          const values = (raw.data?.result[0] as unknown as { values?: [number, string][] })?.values ?? [];
          const seqs = [...new Set(values.map((v) => Number(v[1])))];
          return seqs.length >= 6 ? true : undefined;
        },
        WAIT_MS,
      );
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(stderr).toBe('');
    const raw = await prom.query(`trader_audit_seq{instance="${INSTANCE}"}[10m]`);
    witnessed = [...new Set(((raw.data?.result[0] as unknown as { values: [number, string][] }).values ?? []).map((v) => Number(v[1])))].sort((a, b) => a - b);
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
  });

  it('the untouched log then --witness passes, naming the last witnessed seq', () => {
    const r = runCli(['audit', 'verify', join(logDir, AUDIT), '--witness', prom.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`\\nwitness: ok: .*: \\d+ \\(seq, head\\) pair\\(s\\) witnessed by ${prom.url.replace(/\./g, '\\.')} for ${INSTANCE} agree with the log; last witnessed seq ${witnessed.at(-1)} at \\d{4}-`));
  });

  it('a record edited with the chains and head recomputed then plain verify passes and --witness fails at a witnessed seq at or after the edit', () => {
    const forged = join(tempDir('247t-witness-forge-'), 'logs');
    cpSync(logDir, forged, { recursive: true });
    // An edit between the second and third witnessed seqs: the first two still agree.
    const edit = witnessed[1]! + 1;
    expect(edit).toBeLessThanOrEqual(witnessed[2]!);
    forge(forged, edit);
    expect(runCli(['audit', 'verify', join(forged, AUDIT)]).code).toBe(0);
    const r = runCli(['audit', 'verify', join(forged, AUDIT), '--witness', prom.url, '--json']);
    expect(r.code).toBe(1);
    const w = JSON.parse(r.stdout)[0].witness;
    expect(w.problem.code).toBe('WITNESS_MISMATCH');
    expect(w.problem.seq).toBeGreaterThanOrEqual(edit);
    expect(witnessed).toContain(w.problem.seq);
    expect(w.problem.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const text = runCli(['audit', 'verify', join(forged, AUDIT), '--witness', prom.url]).stdout.split('\n').filter((l) => l.startsWith('WITNESS_'));
    expect(text).toEqual([expect.stringMatching(new RegExp(`^WITNESS_MISMATCH: log=.*, instance=${INSTANCE}, seq=${w.problem.seq}, seen_at=${w.problem.at.replace(/\./g, '\\.')}: the witness saw seq ${w.problem.seq} with chain [0-9a-f]{13}… at .*; the log has [0-9a-f]{13}…: the log was rewritten at or before seq ${w.problem.seq}$`))]);
  });

  it('records cut from the tail (head file rewritten) then WITNESS_AHEAD; an unknown instance then WITNESS_NONE; no Prometheus then exit 2', async () => {
    const cut = join(tempDir('247t-witness-cut-'), 'logs');
    cpSync(logDir, cut, { recursive: true });
    const file = join(cut, AUDIT);
    const keep = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(parse).filter((r) => r.seq < witnessed.at(-3)!);
    writeFileSync(file, keep.map((r) => `${JSON.stringify(r)}\n`).join(''));
    writeFileSync(`${file}.head`, `${JSON.stringify({ seq: keep.at(-1)!.seq, chain: keep.at(-1)!.chain, file: AUDIT, hmac: false })}\n`);
    expect(runCli(['audit', 'verify', file]).code).toBe(0);
    const ahead = runCli(['audit', 'verify', file, '--witness', prom.url]);
    expect(ahead.code).toBe(1);
    // The first witnessed seq past the cut, and when the witness saw it.
    expect(ahead.stdout).toContain(`WITNESS_AHEAD: log=${file}, instance=${INSTANCE}, seq=${witnessed.at(-3)}, seen_at=`);

    const none = runCli(['audit', 'verify', join(logDir, AUDIT), '--witness', prom.url, '--instance', 'nobody']);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/\nWITNESS_NONE: log=.*, instance=nobody: Prometheus has no trader_audit_seq/);

    const port = await freePort();
    const down = runCli(['audit', 'verify', join(logDir, AUDIT), '--witness', `http://127.0.0.1:${port}`]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(new RegExp(`^error: --witness http://127\\.0\\.0\\.1:${port}: cannot query Prometheus \\(fetch failed\\)\\n`));
  });
});
