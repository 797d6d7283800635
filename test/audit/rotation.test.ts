import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { resolveInputs } from '../../src/audit/read.ts';
import { summarize } from '../../src/audit/summary.ts';
import { followFile, tailLines } from '../../src/audit/tail.ts';
import { verifyLog } from '../../src/audit/verify.ts';
import { AuditLogger } from '../../src/audit/writer.ts';
import { rec, tempDir, writeLog } from './helpers.ts';

const DAY = 86_400_000;

describe('rotation', () => {
  it('daily rotation across three UTC days then dated files, active name kept, seq and chain continue', async () => {
    const dir = tempDir();
    const file = join(dir, '247trader-v2_audit.jsonl');
    let now = Date.parse('2026-11-25T23:00:00Z');
    const log = AuditLogger.open({ file, fsync: 'batch', rotation: { mode: 'daily' }, now: () => now });
    for (let i = 1; i <= 9; i++) {
      if (i === 4 || i === 7) now += DAY;
      log.append(rec(i));
    }
    log.close();
    expect(readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()).toEqual([
      '247trader-v2_audit.2026-11-25.jsonl',
      '247trader-v2_audit.2026-11-26.jsonl',
      '247trader-v2_audit.jsonl',
    ]);
    const seqs = (n: string) => readFileSync(join(dir, n), 'utf8').trim().split('\n').map((l) => JSON.parse(l).seq);
    expect(seqs('247trader-v2_audit.2026-11-25.jsonl')).toEqual([1, 2, 3]);
    expect(seqs('247trader-v2_audit.jsonl')).toEqual([7, 8, 9]);
    const groups = resolveInputs([dir]);
    expect(groups).toHaveLength(1);
    const v = await verifyLog(groups[0]!);
    expect(v).toMatchObject({ ok: true, chained: 9, first_seq: 1, last_seq: 9 });
    expect(await tailLines(groups[0]!, 4)).toHaveLength(4);
    expect((await tailLines(groups[0]!, 4)).map((l) => JSON.parse(l).seq)).toEqual([6, 7, 8, 9]);
  });

  it('size rotation with gzip then .N suffixes on one day, chain verifies across .gz files, summary counts all', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    const now = Date.parse('2026-11-26T10:00:00Z');
    const log = AuditLogger.open({ file, fsync: 'batch', rotation: { mode: 'size', maxBytes: 1000, compress: true }, now: () => now });
    for (let i = 1; i <= 20; i++) log.append(rec(i));
    log.close();
    await log.whenIdle(); // gzip runs off the append path
    const names = readdirSync(dir).sort();
    expect(names).toContain('a.2026-11-26.jsonl.gz');
    expect(names).toContain('a.2026-11-26.1.jsonl.gz');
    expect(names.filter((n) => n.endsWith('.jsonl'))).toEqual(['a.jsonl']);
    const first = gunzipSync(readFileSync(join(dir, 'a.2026-11-26.jsonl.gz'))).toString().trim().split('\n');
    expect(JSON.parse(first[0]!).seq).toBe(1);
    const g = resolveInputs([dir])[0]!;
    expect(await verifyLog(g)).toMatchObject({ ok: true, chained: 20, last_seq: 20 });
    expect((await summarize([g])).records).toBe(20);
    // A reopened writer continues the chain after the rotated files.
    const again = AuditLogger.open({ file, fsync: 'always', rotation: { mode: 'size', maxBytes: 1000, compress: true }, now: () => now });
    expect(again.head.seq).toBe(20);
    again.close();
  });

  it('a middle rotated file removed then verify reports SEQ_GAP at the next file', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    const log = AuditLogger.open({ file, fsync: 'batch', rotation: { mode: 'size', maxBytes: 1000 }, now: () => Date.parse('2026-11-26T10:00:00Z') });
    for (let i = 1; i <= 20; i++) log.append(rec(i));
    log.close();
    rmSync(join(dir, 'a.2026-11-26.1.jsonl'));
    const v = await verifyLog(resolveInputs([dir])[0]!);
    expect(v.problem).toMatchObject({ code: 'SEQ_GAP', file: join(dir, 'a.2026-11-26.2.jsonl'), line: 1 });
  });

  it('tail -f across a rotation then records from both files arrive in order', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    let now = Date.parse('2026-11-25T23:59:00Z');
    const log = AuditLogger.open({ file, fsync: 'batch', rotation: { mode: 'daily' }, now: () => now });
    log.append(rec(1));
    const seen: number[] = [];
    const ac = new AbortController();
    const following = followFile(file, (l) => {
      seen.push(JSON.parse(l).seq);
      if (seen.length === 3) ac.abort();
    }, ac.signal, 10);
    log.append(rec(2));
    await new Promise((r) => setTimeout(r, 50));
    now += DAY;
    log.append(rec(3)); // rotates first
    log.append(rec(4));
    await following;
    log.close();
    expect(seen).toEqual([2, 3, 4]);
  });

  it('gzip at rotation runs after the append returns then the rotated file is plain and readable until it is done', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    const log = AuditLogger.open({ file, fsync: 'batch', rotation: { mode: 'size', maxBytes: 1000, compress: true }, now: () => Date.parse('2026-11-26T10:00:00Z') });
    let i = 0;
    while (!readdirSync(dir).some((n) => n.startsWith('a.2026-11-26'))) log.append(rec(++i));
    expect(readdirSync(dir).filter((n) => n.startsWith('a.2026-11-26'))).toEqual(['a.2026-11-26.jsonl']);
    await log.whenIdle();
    expect(readdirSync(dir).filter((n) => n.startsWith('a.2026-11-26'))).toEqual(['a.2026-11-26.jsonl.gz']);
    log.close();
  });

  it('crash mid-compression (partial .gz.tmp) then the log verifies, and a restart finishes the gzip', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    const rotation = { mode: 'size' as const, maxBytes: 1000 };
    const now = () => Date.parse('2026-11-26T10:00:00Z');
    writeLog(file, 20, { rotation, now });
    const plain = join(dir, 'a.2026-11-26.jsonl');
    writeFileSync(`${plain}.gz.tmp`, gzipSync(readFileSync(plain)).subarray(0, 10)); // what a kill mid-stream leaves
    expect(await verifyLog(resolveInputs([dir])[0]!)).toMatchObject({ ok: true, chained: 20 });
    const again = AuditLogger.open({ file, fsync: 'always', rotation: { ...rotation, compress: true }, now });
    await again.whenIdle();
    again.close();
    const names = readdirSync(dir);
    expect(names.filter((n) => n.endsWith('.tmp') || (n.endsWith('.jsonl') && n !== 'a.jsonl'))).toEqual([]);
    expect(names).toContain('a.2026-11-26.jsonl.gz');
    expect(await verifyLog(resolveInputs([dir])[0]!)).toMatchObject({ ok: true, chained: 20, last_seq: 20 });
  });

  it('crash after the .gz rename but before the unlink then a restart leaves only the .gz', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    const rotation = { mode: 'size' as const, maxBytes: 1000 };
    const now = () => Date.parse('2026-11-26T10:00:00Z');
    writeLog(file, 20, { rotation, now });
    const plain = join(dir, 'a.2026-11-26.jsonl');
    writeFileSync(`${plain}.gz`, gzipSync(readFileSync(plain)));
    const again = AuditLogger.open({ file, fsync: 'always', rotation: { ...rotation, compress: true }, now });
    await again.whenIdle();
    again.close();
    expect(readdirSync(dir)).not.toContain('a.2026-11-26.jsonl');
    expect(gunzipSync(readFileSync(`${plain}.gz`)).toString().trim().split('\n').map((l) => JSON.parse(l).seq)[0]).toBe(1);
    expect(await verifyLog(resolveInputs([dir])[0]!)).toMatchObject({ ok: true, chained: 20, last_seq: 20 });
  });
});
