/**
 * Signed digests, end to end: a 300-cycle PAPER daemon (the real CLI process, virtual clock) signs a
 * digest every 60 minutes of its clock and at shutdown; `audit verify --digests` passes. (Digests at
 * rotation: digestWriter.test.ts.) Then each way of cheating, on a fresh copy of the logs:
 * a record edited with every later chain and the head file recomputed (plain verify passes, the
 * digests name the range), a digest deleted (in the middle, and the newest), one byte of a digest
 * changed, a digest re-signed with another key, the wrong public key — each fails with one line.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sealRecord } from '../../src/audit/chain.ts';
import { parseDigest } from '../../src/audit/digestFormat.ts';
import { signDigest } from '../../src/audit/digestKey.ts';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { daemonStatus } from '../../src/status/daemon.ts';
import { copyConfig, runCli, tempDir } from '../helpers/cli.ts';
import { editYaml } from '../live/helpers.ts';

const AUDIT = '247trader-v2_audit.jsonl';

function keyPair(dir: string, name: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const priv = join(dir, `${name}.pem`);
  const pub = join(dir, `${name}.pub.pem`);
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { priv, pub, privateKey };
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
const parse = (l: string) => JSON.parse(l) as Record<string, unknown> & { seq: number; chain: string };

/** A fresh copy of the run's log directory to tamper with. */
function copyLogs(from: string): string {
  const to = join(tempDir('247t-digest-forge-'), 'logs');
  cpSync(from, to, { recursive: true });
  return to;
}

/** Edits record `seq` of the active file, recomputes every later chain and rewrites the head: what anyone who can write the files can do. */
function forge(logDir: string, seq: number, edit: (r: Record<string, unknown>) => void): void {
  const file = join(logDir, AUDIT);
  const recs = lines(file).map(parse);
  const at = recs.findIndex((r) => r.seq === seq);
  expect(at).toBeGreaterThan(0);
  let prev = recs[at - 1]!.chain;
  const out = recs.slice(0, at).map((r) => JSON.stringify(r));
  for (const r of recs.slice(at)) {
    const { seq: s, chain: _c, ...body } = r;
    if (s === seq) edit(body);
    const sealed = sealRecord(body, s, prev);
    out.push(sealed.line.slice(0, -1));
    prev = sealed.chain;
  }
  writeFileSync(file, `${out.join('\n')}\n`);
  const last = recs.at(-1)!;
  writeFileSync(`${file}.head`, `${JSON.stringify({ seq: last.seq, chain: prev, file: AUDIT, hmac: false, updated: new Date(0).toISOString() })}\n`);
}

function verify(logDir: string, ...more: string[]) {
  return runCli(['audit', 'verify', join(logDir, AUDIT), ...more]);
}

/** The DIGEST_… lines of a verify output (exactly one when it fails). */
const problemLines = (out: string) => out.split('\n').filter((l) => /^DIGEST_[A-Z_]+: /.test(l));

describe('signed digests on a 300-cycle PAPER run', () => {
  const root = tempDir('247t-digests-');
  const logDir = join(root, 'logs');
  const digestDir = join(logDir, 'digests');
  const keys = { main: keyPair(root, 'signing'), other: keyPair(root, 'other') };
  let digests: string[] = [];

  beforeAll(() => {
    const configDir = copyConfig(root);
    editYaml(configDir, 'app.yaml', (d) => (d.monitoring.enabled = false));
    // 60 s cycles: 300 cycles are 5 hours of the daemon's (virtual) clock.
    const r = runCli(['run', '--paper', '--config-dir', configDir, '--log-dir', logDir, '--data-dir', join(root, 'data'), '--clock', 'virtual', '--max-cycles', '300'], {
      env: { TRADER_AUDIT_SIGNING_KEY: keys.main.priv },
      timeoutMs: 240_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    digests = readdirSync(digestDir).filter((n) => n.endsWith('.digest.json')).sort();
  }, 300_000);

  it('digests every 60 minutes of the daemon clock and at shutdown, chained, 0440, each named by a digest record in the log', () => {
    const ds = digests.map((n) => parseDigest(readFileSync(join(digestDir, n)))!);
    expect(ds.map((d) => d.reason)).toEqual(['interval', 'interval', 'interval', 'interval', 'shutdown']);
    // 60 minutes apart by the virtual clock (the run took seconds of wall time).
    expect(ds.slice(0, 4).map((d) => d.created)).toEqual(['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z', '2026-01-01T04:00:00.000Z']);
    expect(ds[0]).toMatchObject({ from_seq: 1, first_chain: '0'.repeat(64), previous_digest: null, previous_digest_sha256: null, log: AUDIT });
    for (let i = 1; i < ds.length; i++) {
      expect(ds[i]!.from_seq).toBe(ds[i - 1]!.to_seq + 1);
      expect(ds[i]!.first_chain).toBe(ds[i - 1]!.last_chain);
      expect(ds[i]!.previous_digest).toBe(digests[i - 1]);
    }
    for (const n of readdirSync(digestDir)) expect([n, statSync(join(digestDir, n)).mode & 0o777]).toEqual([n, 0o440]);
    // The log names each digest (its sha256) in the record right after the digest's last one.
    const recs = [...lines(join(logDir, AUDIT))].map(parse);
    const named = recs.filter((r) => r.event === 'digest');
    expect(named.map((r) => r.digest_file)).toEqual(digests);
    for (const r of named) expect(r.seq).toBe(ds[digests.indexOf(String(r.digest_file))]!.to_seq + 1);
    // Shutdown's digest covers the shutdown record; only its own digest record comes after it.
    expect(recs.at(-1)).toMatchObject({ event: 'digest', reason: 'shutdown' });
    expect(recs.at(-2)).toMatchObject({ event: 'shutdown' });
    expect(ds.at(-1)!.to_seq).toBe(recs.at(-2)!.seq);
  });

  it('verify --digests then exit 0: every signature, the digest chain and the log agree', () => {
    const r = verify(logDir, '--digests', '--public-key', keys.main.pub);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`\\ndigests: ok: .*: ${digests.length} signed digest\\(s\\) in .* cover seq 1\\.\\.\\d+\\n`));
    expect(r.code).toBe(0);
  });

  it('a record edited, later chains and the head recomputed then plain verify passes and --digests fails naming the digest and its range', () => {
    const forged = copyLogs(logDir);
    const ds = digests.map((n) => parseDigest(readFileSync(join(forged, 'digests', n)))!);
    // A cycle record in the middle of the third digest's range (the third hour).
    const k = 2;
    const target = lines(join(forged, AUDIT))
      .map(parse)
      .find((r) => r.event === 'cycle' && r.seq > (ds[k]!.from_seq + ds[k]!.to_seq) / 2)!;
    expect(target.seq).toBeLessThan(ds[k]!.to_seq);
    forge(forged, target.seq, (r) => (r.no_trade_reason = 'nothing_to_see_here'));
    const plain = verify(forged);
    expect(plain.code).toBe(0);
    const r = verify(forged, '--digests', '--public-key', keys.main.pub);
    expect(r.code).toBe(1);
    const p = problemLines(r.stdout);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(new RegExp(`^DIGEST_LOG_MISMATCH: log=.*, digest=${digests[k]!.replace(/\./g, '\\.')}, seq=${ds[k]!.from_seq}\\.\\.${ds[k]!.to_seq}: records ${ds[k]!.from_seq}\\.\\.${ds[k]!.to_seq} do not chain to the signed last_chain`));
  });

  it('a digest in the middle deleted then its successor names it: DIGEST_MISSING with the uncovered seqs', () => {
    const forged = copyLogs(logDir);
    const ds = digests.map((n) => parseDigest(readFileSync(join(forged, 'digests', n)))!);
    rmSync(join(forged, 'digests', digests[2]!));
    rmSync(join(forged, 'digests', `${digests[2]!}.sig`));
    const r = verify(forged, '--digests', '--public-key', keys.main.pub);
    expect(r.code).toBe(1);
    expect(problemLines(r.stdout)).toEqual([
      `DIGEST_MISSING: log=${join(forged, AUDIT)}, digest=${digests[3]}, seq=${ds[2]!.from_seq}..${ds[2]!.to_seq}: its predecessor is ${digests[2]}, which is not in ${join(forged, 'digests')} (the one before it there is ${digests[1]}): deleted`,
    ]);
  });

  it('the newest digest deleted then the log still names it: DIGEST_MISSING at its digest record', () => {
    const forged = copyLogs(logDir);
    const last = digests.at(-1)!;
    rmSync(join(forged, 'digests', last));
    const r = verify(forged, '--digests', '--public-key', keys.main.pub);
    expect(r.code).toBe(1);
    expect(problemLines(r.stdout)).toEqual([expect.stringMatching(new RegExp(`^DIGEST_MISSING: log=.*, digest=${last.replace(/\./g, '\\.')}, seq=\\d+: the log's digest record at seq \\d+ names ${last.replace(/\./g, '\\.')}, which is not in .*: deleted$`))]);
  });

  it('one byte of a digest changed, or a digest re-signed with another key, or the wrong public key then DIGEST_BAD_SIGNATURE', () => {
    const byte = copyLogs(logDir);
    const f = join(byte, 'digests', digests[3]!);
    chmodSync(f, 0o640);
    writeFileSync(f, readFileSync(f, 'utf8').replace(/"records":(\d)/, (_m, d: string) => `"records":${(Number(d) + 1) % 10}`));
    const resigned = copyLogs(logDir);
    const g = join(resigned, 'digests', digests[3]!);
    chmodSync(`${g}.sig`, 0o640);
    writeFileSync(`${g}.sig`, signDigest(readFileSync(g), keys.other.privateKey));
    const cases = [
      { dir: byte, pub: keys.main.pub, digest: digests[3]! },
      { dir: resigned, pub: keys.main.pub, digest: digests[3]! },
      { dir: logDir, pub: keys.other.pub, digest: digests[0]! },
    ];
    for (const c of cases) {
      const r = verify(c.dir, '--digests', '--public-key', c.pub);
      expect(r.code).toBe(1);
      expect(problemLines(r.stdout)).toEqual([
        `DIGEST_BAD_SIGNATURE: log=${join(c.dir, AUDIT)}, digest=${c.digest}: the signature does not verify with this public key: the digest was changed after it was signed, or signed by another key`,
      ]);
    }
  });

  it('--digests without --public-key, or a key that is not Ed25519, then exit 2 with one line', () => {
    const none = verify(logDir, '--digests');
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe('error: audit verify --digests needs --public-key FILE (the Ed25519 public key the digests were signed for)');
    const ec = join(root, 'ec.pub.pem');
    writeFileSync(ec, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }));
    const wrong = verify(logDir, '--digests', '--public-key', ec);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim()).toBe(`error: --public-key ${ec}: expected an Ed25519 public key, got ec`);
  });

  it('a running loop with a key then its status shows the last digest and the seq the last /metrics scrape served', async () => {
    const d = tempDir('247t-digest-status-');
    const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'));
    const loop = new TradingLoop({ configDir: copyConfig(d), mode: 'DRY_RUN', logDir: join(d, 'logs'), dataDir: join(d, 'data'), clock, logger: silentLogger(), env: { TRADER_AUDIT_SIGNING_KEY: keys.main.priv } });
    await loop.start();
    const status = () => daemonStatus(loop.state());
    expect(status()).toMatchObject({ audit_seq: 1, audit_last_digest: null, audit_last_witnessed: null });
    await loop.run(new AbortController().signal, { maxCycles: 61 }); // 60 minutes of its clock: one interval digest
    const digest = status().audit_last_digest as { file: string; to_seq: number; created: string };
    expect(digest).toMatchObject({ to_seq: expect.any(Number), created: '2026-01-01T01:00:00.000Z' });
    expect(existsSync(join(d, 'logs', 'digests', digest.file))).toBe(true);
    const text = await loop.metrics.metricsText();
    const seq = status().audit_seq!;
    expect(text).toContain(`\ntrader_audit_seq{instance="trader-1"} ${seq}\n`);
    expect(status().audit_last_witnessed).toEqual({ seq, at: expect.stringMatching(/^\d{4}-/) });
    await loop.stop('test');
  });

  it('a daemon whose TRADER_AUDIT_SIGNING_KEY is not a usable key then refused at start, exit 2, one line, nothing written', () => {
    const d = tempDir('247t-badkey-');
    const r = runCli(['run', '--paper', '--log-dir', join(d, 'logs'), '--data-dir', join(d, 'data'), '--once'], { env: { TRADER_AUDIT_SIGNING_KEY: keys.main.pub } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`error: TRADER_AUDIT_SIGNING_KEY: ${keys.main.pub}: not a PEM private key`);
    expect(existsSync(join(d, 'logs'))).toBe(false);
  });
});
