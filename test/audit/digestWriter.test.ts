/**
 * DigestTrail with the real writer, wired as the daemon wires them (a digest when one is due after
 * an append, then its `digest` record): digests at rotation naming the closed files, the interval by
 * the given clock, a restart continuing the chain, and files that are never rewritten.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDigest } from '../../src/audit/digestFormat.ts';
import { verifyWithDigests } from '../../src/audit/digestVerify.ts';
import { DigestTrail } from '../../src/audit/digestWriter.ts';
import { resolveInputs } from '../../src/audit/read.ts';
import { AuditLogger, type AuditLoggerOptions } from '../../src/audit/writer.ts';
import { rec, tempDir } from './helpers.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const HOUR = 3_600_000;

/** A writer and a trail, appending through `append` the way TradingLoop.append does. */
function open(file: string, clock: { t: number }, extra: Partial<AuditLoggerOptions> = {}) {
  let trail: DigestTrail | undefined;
  const log = AuditLogger.open({ file, fsync: 'batch', now: () => clock.t, onRotated: (f) => trail?.rotated(f), ...extra });
  trail = DigestTrail.open({ logFile: file, instanceId: 'trader-1', key: privateKey, intervalMs: HOUR, head: log.head, now: clock.t });
  const digest = (reason?: 'shutdown') => {
    const why = reason ?? trail!.due(clock.t);
    if (!why) return;
    const w = trail!.write(why, log.head, clock.t);
    if (w) append({ event: 'digest', digest_file: w.file, digest_sha256: w.sha256, from_seq: w.digest.from_seq, to_seq: w.digest.to_seq, reason: why });
  };
  const append = (r: Record<string, unknown>) => {
    log.append(r);
    digest();
  };
  const close = async () => {
    digest('shutdown');
    log.close();
    await log.whenIdle(); // rotated files are gzip'd in the background
  };
  return { log, append, close };
}

const digestsIn = (dir: string) =>
  readdirSync(join(dir, 'digests'))
    .filter((n) => n.endsWith('.digest.json'))
    .sort()
    .map((n) => ({ n, d: parseDigest(readFileSync(join(dir, 'digests', n)))! }));

describe('DigestTrail with the audit writer', () => {
  it('size rotation with gzip then a digest at each rotation naming the closed file and its sha256, and verify --digests passes', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    const clock = { t: Date.UTC(2026, 10, 26) };
    const w = open(file, clock, { rotation: { mode: 'size', maxBytes: 4000, compress: true } });
    for (let i = 1; i <= 40; i++) {
      w.append(rec(i));
      clock.t += 60_000;
    }
    await w.close();
    const ds = digestsIn(dir);
    const rotations = ds.filter((x) => x.d.reason === 'rotation');
    expect(rotations.length).toBeGreaterThanOrEqual(3);
    for (const x of rotations) {
      expect(x.d.log_files).toHaveLength(1);
      expect(existsSync(join(dir, `${x.d.log_files[0]!.name}.gz`))).toBe(true);
    }
    expect(ds.at(-1)!.d.reason).toBe('shutdown');
    const [group] = resolveInputs([dir]);
    const r = await verifyWithDigests(group!, publicKey);
    expect(r.log.ok).toBe(true);
    expect(r.digests).toMatchObject({ ok: true, problem: null, digests: ds.length });
  });

  it('the interval by the given clock then one digest per hour, none while no hour has passed', () => {
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 10, 26) };
    const w = open(join(dir, 'a.jsonl'), clock);
    // Records every 25 minutes for 3 hours 20 minutes: digests after 75 min, 150 min (the period restarts at each digest).
    for (let i = 1; i <= 9; i++) {
      w.append(rec(i));
      clock.t += 25 * 60_000;
    }
    const ds = digestsIn(dir);
    expect(ds.map((x) => [x.d.reason, x.d.created])).toEqual([
      ['interval', '2026-11-26T01:15:00.000Z'],
      ['interval', '2026-11-26T02:30:00.000Z'],
    ]);
    w.log.close();
  });

  it('a restart then the next digest continues the chain from the last one, covering the records written while no digest was due', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    const clock = { t: Date.UTC(2026, 10, 26) };
    const first = open(file, clock);
    for (let i = 1; i <= 5; i++) first.append(rec(i));
    await first.close(); // shutdown digest 1..5, then its digest record (seq 6)
    // A second life without a key: two records no trail sees.
    const plain = AuditLogger.open({ file, fsync: 'batch' });
    plain.append(rec(7));
    plain.append(rec(8));
    plain.close();
    const second = open(file, clock);
    second.append(rec(9));
    await second.close();
    const ds = digestsIn(dir);
    expect(ds.map((x) => [x.d.from_seq, x.d.to_seq, x.d.previous_digest])).toEqual([
      [1, 5, null],
      [6, 9, ds[0]!.n],
    ]);
    const r = await verifyWithDigests(resolveInputs([dir])[0]!, publicKey);
    expect(r.digests.ok).toBe(true);
    expect(r.digests.notes).toEqual(['seq 10..10 written after the newest digest: not covered yet (the next digest will)']);
  });

  it('a digest for a range that already has one then EEXIST: digest files are never rewritten', () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    const clock = { t: Date.UTC(2026, 10, 26) };
    const log = AuditLogger.open({ file, fsync: 'batch' });
    log.append(rec(1));
    const a = DigestTrail.open({ logFile: file, instanceId: 'trader-1', key: privateKey, intervalMs: HOUR, head: { seq: 0, chain: '0'.repeat(64) }, now: clock.t });
    const b = DigestTrail.open({ logFile: file, instanceId: 'trader-1', key: privateKey, intervalMs: HOUR, head: { seq: 0, chain: '0'.repeat(64) }, now: clock.t });
    a.write('interval', log.head, clock.t);
    expect(() => b.write('interval', log.head, clock.t)).toThrow(/EEXIST/);
    log.close();
  });
});
