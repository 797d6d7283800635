import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LogGroup, resolveInputs } from '../../src/audit/read.ts';
import { type VerifyOptions, verifyLog as verifyOneThread } from '../../src/audit/verify.ts';
import { AuditLogger } from '../../src/audit/writer.ts';
import { rec, tempDir, writeLog } from './helpers.ts';

const LEGACY = join(import.meta.dirname, '../fixtures/legacy-audit/247trader-v2_audit.jsonl');

/**
 * verifyLog as one pass, and cut into 2 and 4 parts checked on worker threads (minPartBytes 1: any
 * log splits, whatever its size): all must give the same verdict, down to the line and the notes.
 */
async function verifyLog(g: LogGroup, opts: VerifyOptions = {}) {
  const single = await verifyOneThread(g, opts);
  for (const maxParts of [2, 4]) expect(await verifyOneThread(g, { ...opts, split: { minPartBytes: 1, maxParts } })).toEqual(single);
  return single;
}

/** A 10-record log, its lines changed by `edit`, then verified. */
async function tampered(edit: (lines: string[]) => string[]) {
  const file = join(tempDir(), 'a.jsonl');
  writeLog(file, 10);
  const lines = readFileSync(file, 'utf8').split('\n').slice(0, -1);
  writeFileSync(file, `${edit(lines).join('\n')}\n`);
  return verifyLog(resolveInputs([file])[0]!);
}

describe('audit verify', () => {
  it('untouched log then ok with every record chained', async () => {
    const v = await tampered((l) => l);
    expect(v).toMatchObject({ ok: true, chained: 10, unchained: 0, first_seq: 1, last_seq: 10, problem: null });
  });

  it('a field edited on line 4 then CHAIN_MISMATCH at line 4, seq 4', async () => {
    const v = await tampered((l) => l.map((x, i) => (i === 3 ? x.replace('"status":"NO_TRADE"', '"status":"EXECUTED"') : x)));
    expect(v.problem).toMatchObject({ code: 'CHAIN_MISMATCH', line: 4, seq: 4 });
    expect(v.ok).toBe(false);
  });

  it('line 6 deleted then SEQ_GAP at line 6 naming seq 7', async () => {
    const v = await tampered((l) => l.filter((_, i) => i !== 5));
    expect(v.problem).toMatchObject({ code: 'SEQ_GAP', line: 6, seq: 7 });
  });

  it('an unchained line inserted after line 3 then UNCHAINED_IN_CHAIN at line 4', async () => {
    const v = await tampered((l) => [...l.slice(0, 3), '{"timestamp":"2026-11-26T00:00:00Z","status":"EXECUTED"}', ...l.slice(3)]);
    expect(v.problem).toMatchObject({ code: 'UNCHAINED_IN_CHAIN', line: 4 });
  });

  it('a chained line duplicated after line 5 then SEQ_ORDER at line 6', async () => {
    const v = await tampered((l) => [...l.slice(0, 5), l[2]!, ...l.slice(5)]);
    expect(v.problem).toMatchObject({ code: 'SEQ_ORDER', line: 6, seq: 3 });
  });

  it('lines 7 and 8 swapped then detected at line 7', async () => {
    const v = await tampered((l) => [...l.slice(0, 6), l[7]!, l[6]!, ...l.slice(8)]);
    expect(v.problem).toMatchObject({ code: 'SEQ_GAP', line: 7, seq: 8 });
  });

  it('seq renumbered after deleting a line then CHAIN_MISMATCH at the renumbered line', async () => {
    // Delete line 5 and fix seq of the rest by hand: the chain still breaks at the first renumbered record.
    const v = await tampered((l) => l.filter((_, i) => i !== 4).map((x, i) => (i >= 4 ? x.replace(`"seq":${i + 2}`, `"seq":${i + 1}`) : x)));
    expect(v.problem).toMatchObject({ code: 'CHAIN_MISMATCH', line: 5, seq: 5 });
  });

  it('last two lines cut then TAIL_TRUNCATED against the head', async () => {
    const v = await tampered((l) => l.slice(0, 8));
    expect(v.problem).toMatchObject({ code: 'TAIL_TRUNCATED', seq: 8 });
  });

  it('small read blocks (lines straddling block ends, lines longer than a block) then same verdicts', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 40);
    const g = resolveInputs([file])[0]!;
    for (const blockBytes of [64, 300, 1000, 4096]) {
      expect((await verifyLog(g, { blockBytes })).ok).toBe(true);
    }
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[29] = lines[29]!.replace('"cycle":30', '"cycle":31');
    writeFileSync(file, lines.join('\n'));
    for (const blockBytes of [64, 300, 1000, 4096]) {
      expect((await verifyLog(g, { blockBytes })).problem).toMatchObject({ code: 'CHAIN_MISMATCH', line: 30, seq: 30 });
    }
  });

  it('first line deleted then MISSING_START; with --partial the rest verifies', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 5);
    writeFileSync(file, readFileSync(file, 'utf8').split('\n').slice(1).join('\n'));
    const g = resolveInputs([file])[0]!;
    expect((await verifyLog(g)).problem).toMatchObject({ code: 'MISSING_START', line: 1, seq: 2 });
    expect((await verifyLog(g, { partial: true })).ok).toBe(true);
  });

  it('torn last line without newline then ok with a note (a crash, quarantined on next open)', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 3);
    appendFileSync(file, '{"event":"cy');
    const v = await verifyLog(resolveInputs([file])[0]!);
    expect(v.ok).toBe(true);
    expect(v.notes.join()).toMatch(/torn last line/);
  });

  it('legacy fixture then all 1,413 records unchained, not tampered', async () => {
    const dir = tempDir();
    copyFileSync(LEGACY, join(dir, '247trader-v2_audit.jsonl'));
    const v = await verifyLog(resolveInputs([dir])[0]!);
    expect(v).toMatchObject({ ok: true, chained: 0, unchained: 1413, problem: null });
  });

  it('legacy records followed by chained ones then the chain verifies from seq 1', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeFileSync(file, readFileSync(LEGACY, 'utf8').split('\n').slice(0, 20).join('\n') + '\n');
    writeLog(file, 5);
    const v = await verifyLog(resolveInputs([file])[0]!);
    expect(v).toMatchObject({ ok: true, unchained: 20, chained: 5, first_seq: 1 });
  });

  it('a log switching from plain SHA-256 to HMAC then ok with a note, split between threads too', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 6);
    const log = AuditLogger.open({ file, fsync: 'batch', hmacKey: 's3cret' });
    for (let i = 7; i <= 12; i++) log.append(rec(i));
    log.close();
    const v = await verifyLog(resolveInputs([file])[0]!, { hmacKey: 's3cret' });
    expect(v).toMatchObject({ ok: true, chained: 12 });
    expect(v.notes.join()).toMatch(/switches to HMAC-SHA256 at seq 7/);
  });
});
