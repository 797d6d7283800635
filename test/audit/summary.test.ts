import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { driftReport } from '../../src/audit/drift.ts';
import { resolveInputs } from '../../src/audit/read.ts';
import { parseTimeArg, summarize as summarizeOneThread, type SummaryWindow } from '../../src/audit/summary.ts';
import type { LogGroup } from '../../src/audit/read.ts';
import { AuditLogger } from '../../src/audit/writer.ts';
import { rec, tempDir, writeLog } from './helpers.ts';

const LEGACY = join(import.meta.dirname, '../fixtures/legacy-audit/247trader-v2_audit.jsonl');

/** `jq -r .config_hash FILE | sort | uniq -c` as {hash: count}. */
function jqCounts(file: string): Record<string, number> {
  const out = execFileSync('sh', ['-c', `jq -r .config_hash '${file}' | sort | uniq -c`], { encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').map((l) => {
    const [n, h] = l.trim().split(/\s+/);
    return [h!, Number(n)];
  }));
}

/**
 * summarize as one pass, and on 2, 3 and 5 threads taking chunks (minPartBytes 1: any log splits),
 * once with the main thread taking chunks too and once with worker threads doing all of them: the
 * chunks joined must give the same summary, buckets, timeline and key order.
 */
async function summarize(groups: LogGroup[], window: SummaryWindow = {}) {
  const single = await summarizeOneThread(groups, window);
  for (const maxParts of [2, 3, 5]) {
    for (const mainThread of [true, false]) expect(JSON.stringify(await summarizeOneThread(groups, window, { minPartBytes: 1, maxParts, mainThread }))).toBe(JSON.stringify(single));
  }
  return single;
}

describe('audit summary', () => {
  it('legacy fixture then counts per hash equal jq|sort|uniq -c (null = unstamped)', async () => {
    const s = await summarize(resolveInputs([LEGACY]));
    const ours = Object.fromEntries(s.buckets.map((b) => [b.config_hash ?? 'null', b.records]));
    expect(ours).toEqual(jqCounts(LEGACY));
    expect(ours.null).toBe(899);
    expect(s.records).toBe(1413);
    expect(s.invalid_lines).toBe(0);
  });

  it('legacy fixture then status counts, orders executed and first/last equal what jq computes', async () => {
    const s = await summarize(resolveInputs([LEGACY]));
    const jq = JSON.parse(execFileSync('jq', ['-s', '-c', `group_by(.config_hash) | map({h: (.[0].config_hash // "null"), executed: (map(.proposals.final_executed_count // 0) | add), first: .[0].timestamp, last: .[-1].timestamp, status: (group_by(.status) | map({key: .[0].status, value: length}) | from_entries)})`, LEGACY], { encoding: 'utf8' })) as { h: string; executed: number; first: string; last: string; status: Record<string, number> }[];
    for (const j of jq) {
      const b = s.buckets.find((x) => (x.config_hash ?? 'null') === j.h)!;
      expect({ h: j.h, executed: b.orders_executed, first: b.first, last: b.last, status: b.status }).toEqual(j);
    }
    expect(s.buckets.reduce((a, b) => a + b.orders_executed, 0)).toBe(84);
  });

  it('legacy fixture then the timeline lists each change of the stamped hash in order', async () => {
    const s = await summarize(resolveInputs([LEGACY]));
    const jqChanges = execFileSync('sh', ['-c', `jq -r 'select(.config_hash != null) | .config_hash' '${LEGACY}' | uniq`], { encoding: 'utf8' }).trim().split('\n');
    expect(s.timeline.map((c) => c.to)).toEqual(jqChanges);
    expect(s.timeline[0]).toMatchObject({ from: null, to: 'd5f70d631a57af91', timestamp: '2025-11-15T18:29:56.955503+00:00' });
  });

  it('--since/--until then only records in [since, until) counted', async () => {
    const file = join(tempDir(), 'a.jsonl');
    writeLog(file, 10); // minutes 1..10 of 2026-11-26
    const s = await summarize(resolveInputs([file]), { since: Date.parse('2026-11-26T00:03:00Z'), until: Date.parse('2026-11-26T00:07:00Z') });
    expect(s.records).toBe(4);
    expect(s.buckets[0]).toMatchObject({ first: '2026-11-26T00:03:00.000Z', last: '2026-11-26T00:06:00.000Z', orders_executed: 1, status: { NO_TRADE: 3, EXECUTED: 1 } });
  });

  it('our records, gzip input and records needing the parser then same counts as jq', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.jsonl');
    const log = AuditLogger.open({ file, fsync: 'batch' });
    for (let i = 1; i <= 6; i++) log.append(rec(i, i <= 3 ? '1111111111111111' : '2222222222222222'));
    // Hash after a nested value, escaped string, no hash: all via the JSON.parse path.
    log.append({ event: 'startup', files: { 'policy.yaml': 'ab' }, config_hash: '3333333333333333' });
    log.append({ event: 'halt', reason: 'disk \"full\"', config_hash: '3333333333333333', status: 'HALTED' });
    log.append({ event: 'shutdown' });
    log.close();
    const legacy10 = `${readFileSync(LEGACY, 'utf8').split('\n').slice(0, 10).join('\n')}\n`;
    writeFileSync(join(dir, 'a.2026-11-25.jsonl.gz'), gzipSync(legacy10));
    const s = await summarize(resolveInputs([file]));
    expect(Object.fromEntries(s.buckets.map((b) => [b.config_hash ?? 'null', b.records]))).toEqual(jqCounts(file));
    expect(s.buckets.find((b) => b.config_hash === '3333333333333333')!.status).toEqual({ HALTED: 1 });
    const both = await summarize(resolveInputs([dir]));
    expect(both.files.map((f) => f.slice(dir.length + 1))).toEqual(['a.2026-11-25.jsonl.gz', 'a.jsonl']);
    expect(both.records).toBe(19);
    expect(both.buckets[0]).toMatchObject({ config_hash: null, records: 11 });
  });

  it('time arguments then ISO dates, date-times and durations ago parse; junk does not', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(parseTimeArg('2026-11-26', now)).toBe(Date.parse('2026-11-26T00:00:00Z'));
    expect(parseTimeArg('2026-11-26T10:00:00Z', now)).toBe(Date.parse('2026-11-26T10:00:00Z'));
    expect(parseTimeArg('24h', now)).toBe(now - 86_400_000);
    expect(parseTimeArg('yesterday', now)).toBeUndefined();
  });
});

describe('audit drift', () => {
  it('two instances on the same hash then in sync; one moved on then drift with both hashes', async () => {
    const dir = tempDir();
    const a = join(dir, 'a', 'x.jsonl');
    const b = join(dir, 'b', 'x.jsonl');
    mkdirSync(join(dir, 'b'));
    const write = (file: string, inst: string, hashes: string[]) => {
      const log = AuditLogger.open({ file, fsync: 'batch' });
      hashes.forEach((h, i) => log.append({ timestamp: `2026-11-26T00:0${i}:00Z`, event: 'cycle', instance_id: inst, config_hash: h }));
      log.close();
    };
    write(a, 'trader-1', ['1111111111111111', '2222222222222222']);
    write(b, 'trader-2', ['2222222222222222']);
    const same = await driftReport(resolveInputs([a, b]));
    expect(same).toMatchObject({ in_sync: true, hashes: ['2222222222222222'] });
    write(b, 'trader-2', ['3333333333333333']);
    const drift = await driftReport(resolveInputs([join(dir, 'a'), join(dir, 'b')]));
    expect(drift.in_sync).toBe(false);
    expect(drift.instances.map((i) => [i.instance, i.config_hash])).toEqual([['trader-1', '2222222222222222'], ['trader-2', '3333333333333333']]);
  });

  it('legacy log without instance_id then the instance is the path and its last stamped hash', async () => {
    const dir = tempDir();
    copyFileSync(LEGACY, join(dir, 'legacy.jsonl'));
    const r = await driftReport(resolveInputs([join(dir, 'legacy.jsonl')]));
    expect(r.instances).toEqual([{ instance: join(dir, 'legacy.jsonl'), config_hash: '4767d94176d125a9', config_hash_on_disk: null, timestamp: '2025-11-18T22:55:14.048376+00:00', log: join(dir, 'legacy.jsonl') }]);
  });
});
