import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastCycles } from '../../src/status/cycles.ts';
import { REDACTED, redactSecrets } from '../../src/status/redact.ts';
import { ConfigTimeline } from '../../src/status/timeline.ts';
import { tempDir } from '../helpers/cli.ts';
import { appendRecords, cycleRecord, eventRecord } from './fixtures.ts';

const A = 'aaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbb';
const C = 'cccccccccccccccc';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

describe('ConfigTimeline', () => {
  it('no log yet then empty; records appended between reads then only the new changes are added', async () => {
    const file = join(tempDir(), 'audit.jsonl');
    const t = new ConfigTimeline(file);
    expect(await t.read()).toEqual([]);
    appendRecords(file, [eventRecord('startup', A, 0), cycleRecord(1, A), cycleRecord(2, A)]);
    expect(await t.read()).toEqual([{ timestamp: at(0), from: null, to: A }]);
    appendRecords(file, [cycleRecord(3, A), eventRecord('startup', B, 4), cycleRecord(5, B)]);
    expect(await t.read()).toEqual([
      { timestamp: at(0), from: null, to: A },
      { timestamp: at(4), from: A, to: B },
    ]);
    // Nothing new: the same answer, no duplicate.
    expect(await t.read()).toHaveLength(2);
  });

  it('a torn last line then ignored until it is completed', async () => {
    const file = join(tempDir(), 'audit.jsonl');
    appendRecords(file, [cycleRecord(1, A)]);
    const line = JSON.stringify(eventRecord('startup', B, 2));
    appendFileSync(file, line.slice(0, 40));
    const t = new ConfigTimeline(file);
    expect((await t.read()).map((c) => c.to)).toEqual([A]);
    appendFileSync(file, `${line.slice(40)}\n`);
    expect((await t.read()).map((c) => c.to)).toEqual([A, B]);
  });

  it('unstamped and invalid lines then skipped, as audit summary does', async () => {
    const file = join(tempDir(), 'audit.jsonl');
    writeFileSync(file, `${JSON.stringify({ timestamp: at(0), status: 'NO_TRADE' })}\nnot json\n${JSON.stringify(cycleRecord(1, A))}\n`);
    expect(await new ConfigTimeline(file).read()).toEqual([{ timestamp: at(1), from: null, to: A }]);
  });

  it('the active file rotated between reads then rescanned: the change history is kept, not duplicated', async () => {
    const dir = tempDir();
    const file = join(dir, 'audit.jsonl');
    appendRecords(file, [cycleRecord(1, A), cycleRecord(2, B)]);
    const t = new ConfigTimeline(file);
    expect(await t.read()).toHaveLength(2);
    renameSync(file, join(dir, 'audit.2026-01-01.jsonl'));
    appendRecords(file, [cycleRecord(3, B), cycleRecord(4, C)]);
    expect((await t.read()).map((c) => [c.from, c.to])).toEqual([
      [null, A],
      [A, B],
      [B, C],
    ]);
  });

  it('two reads at once on a fresh timeline then both see each change once', async () => {
    const dir = tempDir();
    appendRecords(join(dir, 'audit.2026-01-01.jsonl'), [cycleRecord(1, A), cycleRecord(2, B)]);
    const file = join(dir, 'audit.jsonl');
    appendRecords(file, [cycleRecord(3, B), cycleRecord(4, C)]);
    const t = new ConfigTimeline(file);
    const [x, y] = await Promise.all([t.read(), t.read()]);
    expect(x.map((c) => c.to)).toEqual([A, B, C]);
    expect(y).toEqual(x);
  });
});

describe('lastCycles', () => {
  it('many lifecycle records between cycles then still the last N cycles', async () => {
    const file = join(tempDir(), 'audit.jsonl');
    const recs: Record<string, unknown>[] = [];
    for (let c = 1; c <= 20; c++) {
      recs.push(cycleRecord(c, A));
      for (let k = 0; k < 30; k++) recs.push(eventRecord('order_intent', A, c, { k }));
    }
    appendRecords(file, recs);
    expect((await lastCycles(file, 5)).map((r) => r.cycle)).toEqual([16, 17, 18, 19, 20]);
  });

  it('legacy records without event then counted as cycles; a torn last line then skipped', async () => {
    const file = join(tempDir(), 'audit.jsonl');
    writeFileSync(file, `${JSON.stringify({ timestamp: at(1), status: 'NO_TRADE', config_hash: A })}\n${JSON.stringify(cycleRecord(2, A))}\n{"timestamp":"2026-01-01T00:00:03`);
    const r = await lastCycles(file, 10);
    expect(r.map((x) => x.timestamp)).toEqual([at(1), at(2)]);
  });

  it('no log file then no cycles', async () => {
    expect(await lastCycles(join(tempDir(), 'missing', 'audit.jsonl'), 10)).toEqual([]);
  });
});

describe('redactSecrets', () => {
  it('secret-looking keys at any depth then masked, other values and null kept', () => {
    const input = { mode: 'LIVE', exchange: { credentials: { api_key: 'k1' }, apiKey: 'k2', name: 'coinbase' }, list: [{ password: 'p', n: 1 }], token: null };
    expect(redactSecrets(input)).toEqual({ mode: 'LIVE', exchange: { credentials: REDACTED, apiKey: REDACTED, name: 'coinbase' }, list: [{ password: REDACTED, n: 1 }], token: null });
    expect(input.exchange.apiKey).toBe('k2');
  });
});
