import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENESIS } from '../../src/audit/chain.ts';
import { resolveInputs } from '../../src/audit/read.ts';
import { verifyLog } from '../../src/audit/verify.ts';
import { AuditLinesLost, AuditLogger, AuditWriteError } from '../../src/audit/writer.ts';
import { parsedLines, rec, tempDir, writeLog } from './helpers.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('AuditLogger', () => {
  it('append on a new log then seq from 1, chain over prev + line bytes, head beside the log, mode 0640', () => {
    const file = join(tempDir(), 'nested', 'logs', 'a.jsonl');
    const log = AuditLogger.open({ file, fsync: 'always' });
    expect(log.head).toEqual({ seq: 0, chain: GENESIS });
    const r1 = log.append({ event: 'startup', config_hash: 'abcd' });
    const r2 = log.append({ event: 'cycle', config_hash: 'abcd', n: 1.5 });
    log.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[2]).toBe('');
    const body1 = '{"event":"startup","config_hash":"abcd","seq":1';
    expect(lines[0]).toBe(`${body1},"chain":"${sha(GENESIS + body1)}"}`);
    const body2 = '{"event":"cycle","config_hash":"abcd","n":1.5,"seq":2';
    expect(lines[1]).toBe(`${body2},"chain":"${sha(r1.chain + body2)}"}`);
    expect(r2).toEqual({ seq: 2, chain: sha(r1.chain + body2) });
    expect(JSON.parse(readFileSync(`${file}.head`, 'utf8'))).toMatchObject({ seq: 2, chain: r2.chain, file: 'a.jsonl', hmac: false });
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('reopen after close then seq and chain continue', () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 3);
    const log = AuditLogger.open({ file, fsync: 'always' });
    expect(log.head.seq).toBe(3);
    expect(log.append(rec(4)).seq).toBe(4);
    log.close();
    expect(parsedLines(file).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });

  it('record carrying its own seq then TypeError and nothing written', () => {
    const file = join(tempDir(), 'a.jsonl');
    const log = AuditLogger.open({ file, fsync: 'always' });
    expect(() => log.append({ seq: 9 })).toThrow(TypeError);
    expect(log.append({ ok: true }).seq).toBe(1);
    log.close();
  });

  it('torn last line (no newline) then quarantined, onRecovered told, writing continues on a clean line', () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    writeLog(file, 5);
    const torn = '{"timestamp":"2026-11-26T00:06:00.000Z","event":"cyc';
    appendFileSync(file, torn);
    const seen: { quarantineFile: string; bytes: number }[] = [];
    const log = AuditLogger.open({ file, fsync: 'always', onRecovered: (info, l) => {
      seen.push(info);
      l.append({ event: 'audit_recovered', quarantine_file: info.quarantineFile, bytes: info.bytes });
    } });
    log.append(rec(7));
    log.close();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.bytes).toBe(torn.length);
    expect(readFileSync(seen[0]!.quarantineFile, 'utf8')).toBe(torn);
    const recs = parsedLines(file);
    expect(recs.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(recs[5]!.event).toBe('audit_recovered');
  });

  it('complete but unparseable last line then quarantined too', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 2);
    appendFileSync(file, '{"broken":\n');
    const log = AuditLogger.open({ file, fsync: 'always' });
    expect(log.recovered).toHaveLength(1);
    expect(log.recovered[0]!.bytes).toBe(11);
    log.append(rec(3));
    log.close();
    expect((await verifyLog(resolveInputs([file])[0]!)).ok).toBe(true);
  });

  it('short write then ENOSPC then AuditWriteError, no partial bytes left, next append writes the same seq', async () => {
    const file = join(tempDir(), 'a.jsonl');
    let failNext = false;
    const fs = await import('node:fs');
    const log = AuditLogger.open({
      file,
      fsync: 'always',
      io: {
        writeSync: (fd, buf, off, len) => {
          if (!failNext) return fs.writeSync(fd, buf, off, len);
          if (off === 0) return fs.writeSync(fd, buf, 0, Math.floor(len / 2)); // half the line lands
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
      },
    });
    log.append(rec(1));
    const sizeBefore = statSync(file).size;
    failNext = true;
    let err: unknown;
    try {
      log.append(rec(2));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuditWriteError);
    expect(((err as AuditWriteError).cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(statSync(file).size).toBe(sizeBefore);
    expect(log.head.seq).toBe(1);
    failNext = false;
    expect(log.append(rec(2)).seq).toBe(2);
    log.close();
    expect(parsedLines(file).map((r) => r.seq)).toEqual([1, 2]);
    expect((await verifyLog(resolveInputs([file])[0]!)).ok).toBe(true);
  });

  it('fsync failure then AuditWriteError and the line rolled back', () => {
    const file = join(tempDir(), 'a.jsonl');
    let fail = false;
    const log = AuditLogger.open({ file, fsync: 'always', io: { fsyncSync: (fd) => {
      if (fail) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      return void fd;
    } } });
    log.append(rec(1));
    fail = true;
    expect(() => log.append(rec(2))).toThrow(/EIO/);
    fail = false;
    log.append(rec(2));
    log.close();
    expect(parsedLines(file).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('head cannot be written (temp path blocked) then append fails and leaves the log as it was; succeeds once unblocked', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    const log = AuditLogger.open({ file, fsync: 'always' });
    log.append(rec(1));
    mkdirSync(`${file}.head.tmp`); // EISDIR even for root
    expect(() => log.append(rec(2))).toThrow(AuditWriteError);
    expect(parsedLines(file)).toHaveLength(1);
    rmdirSync(`${file}.head.tmp`);
    expect(log.append(rec(2)).seq).toBe(2);
    log.close();
    expect((await verifyLog(resolveInputs([file])[0]!)).ok).toBe(true);
  });

  it('read-only log directory then append throws AuditWriteError; once writable the same seq is written', async () => {
    const parent = tempDir();
    chmodSync(parent, 0o755);
    const dir = join(parent, 'logs');
    mkdirSync(dir);
    const file = join(dir, 'a.jsonl');
    // Root ignores permissions: act as nobody (effective uid) around the writer's calls.
    const root = process.getuid?.() === 0;
    if (root) chownSync(dir, 65534, 65534);
    const asUser = <T>(fn: () => T): T => {
      if (!root) return fn();
      process.seteuid!(65534);
      try {
        return fn();
      } finally {
        process.seteuid!(0);
      }
    };
    const log = asUser(() => AuditLogger.open({ file, fsync: 'always' }));
    asUser(() => log.append(rec(1)));
    chmodSync(dir, 0o555);
    try {
      expect(() => asUser(() => log.append(rec(2)))).toThrow(AuditWriteError);
      expect(() => asUser(() => log.append(rec(2)))).toThrow(/EACCES/);
    } finally {
      chmodSync(dir, 0o755);
    }
    expect(asUser(() => log.append(rec(2))).seq).toBe(2);
    asUser(() => log.close());
    expect(parsedLines(file).map((r) => r.seq)).toEqual([1, 2]);
    expect((await verifyLog(resolveInputs([file])[0]!)).ok).toBe(true);
  });

  it('head ahead of the log at open (tail truncated while down) then evidence kept, callback told, chain continues from the file', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    writeLog(file, 4);
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, `${lines.slice(0, 3).join('\n')}\n`); // drop seq 4
    const mismatches: number[] = [];
    const log = AuditLogger.open({ file, fsync: 'always', onHeadMismatch: (m) => mismatches.push(m.headSeq, m.fileSeq) });
    expect(mismatches).toEqual([4, 3]);
    expect(log.append(rec(5)).seq).toBe(4);
    log.close();
    expect(readdirSync(dir).some((n) => n.startsWith('a.jsonl.head.mismatch-'))).toBe(true);
    const v = await verifyLog(resolveInputs([file])[0]!);
    expect(v.problem?.code).toBe('HEAD_MISMATCH_RECORDED');
  });

  it('batch policy then head written at close and verify passes', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 250, { batchRecords: 100 });
    expect(JSON.parse(readFileSync(`${file}.head`, 'utf8')).seq).toBe(250);
    expect((await verifyLog(resolveInputs([file])[0]!)).ok).toBe(true);
  });

  it('buffered batch log (backtests) then lines written together, the same bytes as unbuffered, head at close', async () => {
    const plain = join(tempDir(), 'a.jsonl');
    const buffered = join(tempDir(), 'a.jsonl');
    writeLog(plain, 250, { batchRecords: Number.POSITIVE_INFINITY, batchMs: Number.POSITIVE_INFINITY });
    const fs = await import('node:fs');
    const writes: number[] = [];
    const log = AuditLogger.open({
      file: buffered,
      fsync: 'batch',
      batchRecords: Number.POSITIVE_INFINITY,
      batchMs: Number.POSITIVE_INFINITY,
      bufferBytes: 4096,
      io: { writeSync: (fd, buf, off, len) => (writes.push(len), fs.writeSync(fd, buf, off, len)) },
    });
    for (let i = 1; i <= 250; i++) log.append(rec(i));
    expect(statSync(buffered).size).toBeLessThan(statSync(plain).size); // the last lines still wait
    log.close();
    expect(readFileSync(buffered)).toEqual(readFileSync(plain));
    expect(writes.length).toBeLessThan(25); // 250 lines, 4 KB at a time
    expect(JSON.parse(readFileSync(`${buffered}.head`, 'utf8')).seq).toBe(250);
    expect((await verifyLog(resolveInputs([buffered])[0]!)).ok).toBe(true);
  });

  it('buffered log whose held lines cannot be written then AuditLinesLost, and no later record is taken', async () => {
    const file = join(tempDir(), 'a.jsonl');
    let fail = false;
    const fs = await import('node:fs');
    const log = AuditLogger.open({
      file,
      fsync: 'batch',
      bufferBytes: 1,
      io: { writeSync: (fd, buf, off, len) => { if (fail) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); return fs.writeSync(fd, buf, off, len); } },
    });
    log.append(rec(1));
    fail = true;
    expect(() => log.append(rec(2))).toThrow(AuditLinesLost);
    fail = false;
    expect(() => log.append(rec(3))).toThrow(/seq 2 held in memory are lost/);
    log.close();
    expect(parsedLines(file).map((r) => r.seq)).toEqual([1]);
  });

  it('HMAC key then the head says hmac, verify needs the key and passes with it', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 5, { hmacKey: 's3cret' });
    expect(JSON.parse(readFileSync(`${file}.head`, 'utf8')).hmac).toBe(true);
    expect(readFileSync(file, 'utf8')).not.toContain('s3cret');
    const g = resolveInputs([file])[0]!;
    await expect(verifyLog(g)).rejects.toThrow(/TRADER_AUDIT_HMAC_KEY/);
    expect((await verifyLog(g, { hmacKey: 's3cret' })).ok).toBe(true);
    const wrong = await verifyLog(g, { hmacKey: 'other' });
    expect(wrong.problem).toMatchObject({ code: 'CHAIN_MISMATCH', line: 1, seq: 1 });
  });

  it('existing file truncated to zero with its head then seq continues from the head', () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 3);
    truncateSync(file, 0);
    const log = AuditLogger.open({ file, fsync: 'always' });
    expect(log.head.seq).toBe(3);
    log.close();
    expect(existsSync(`${file}.head`)).toBe(true);
  });
});
