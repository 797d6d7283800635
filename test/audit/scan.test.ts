/**
 * The fast field scanner of `audit summary` and `audit drift` against JSON.parse (what jq reads) on
 * lines built to trip it: our writer's records, the legacy bot's `"key": value` spacing, escapes,
 * non-ASCII values, keys inside nested values before or instead of the top-level one, null and
 * non-string hashes, two proposals objects, orders without proposals, CRLF, blank and broken lines.
 * Each line is scanned inside one block with the others (cursors remember positions across lines)
 * and alone, and must give the top-level fields JSON.parse gives.
 */
import { describe, expect, it } from 'vitest';
import { executedOf, LineScanner, SCAN_KEYS, type ScannedRecord } from '../../src/audit/scan.ts';

const LINES = [
  '{"timestamp":"2026-01-01T00:00:00.000Z","event":"cycle","instance_id":"trader-1","config_hash":"63d5189232a231d0","status":"NO_TRADE","stage_latencies":{"a":1},"proposals":{"base_count":1,"final_executed_count":0},"orders":[]}',
  '{"timestamp":"2026-01-01T00:01:00.000Z","event":"cycle","instance_id":"trader-1","config_hash":"63d5189232a231d0","status":"EXECUTED","proposals":{"final_executed_count":2},"orders":[{"success":true},{"success":true}]}',
  '{"timestamp": "2025-11-14T09:00:00Z", "config_hash": "aaaaaaaaaaaaaaaa", "status": "NO_TRADE", "proposals": {"final_executed_count": 1}}',
  '{"timestamp":"2026-01-01T00:02:00.000Z","event":"startup","config_hash":"63d5189232a231d0","code_hash":"e91682de5aed8585","config_files":{"policy.yaml":"91c4"}}',
  '{"event":"halt","reason":"disk \\"full\\"","config_hash":"bbbbbbbbbbbbbbbb","status":"HALTED"}',
  '{"event":"note","status":"caf\u00e9","config_hash":"bbbbbbbbbbbbbbbb"}',
  '{"event":"note","status":"a\\u0041","config_hash":"bbbbbbbbbbbbbbbb"}',
  '{"files":{"config_hash":"nested0000000000"},"config_hash":"cccccccccccccccc"}',
  '{"files":{"config_hash":"nested0000000000"}}',
  '{"list":["config_hash"],"status":"X"}',
  '{"config_hash":null,"status":"NO_TRADE"}',
  '{"config_hash":1234,"status":"NO_TRADE"}',
  '{"timestamp":"2026-01-01T00:03:00.000Z"}',
  '{"orders":[{"success":true},{"success":false},{"success":true}],"config_hash":"dddddddddddddddd"}',
  '{"config_hash":"eeeeeeeeeeeeeeee","proposals":{"final_executed_count":3},"rerun":{"proposals":{"final_executed_count":5}}}',
  '{"config_hash":"eeeeeeeeeeeeeeee","proposals":{"final_executed_count":"3"}}',
  '{"config_hash":"eeeeeeeeeeeeeeee","proposals":{"final_executed_count":2.5}}',
  '{"config_hash":"eeeeeeeeeeeeeeee","proposals":{"x":{},"final_executed_count":4}}',
  '{"config_hash":"eeeeeeeeeeeeeeee","stats":{"final_executed_count":4},"orders":[{"success":true}]}',
  '{"config_hash":"eeeeeeeeeeeeeeee","status":""}\r',
  '{}',
  '[1,2]',
  '"just a string"',
  '{"config_hash":"truncated',
  'not json at all',
];

/** What jq sees: the top-level fields as the scanner reports them (strings; null only for config_hash). */
function reference(line: string): Partial<ScannedRecord> {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return { invalid: true };
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return { invalid: true };
  const r = o as Record<string, unknown>;
  const str = (v: unknown) => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v));
  return {
    invalid: false,
    config_hash: r.config_hash === null ? null : str(r.config_hash),
    config_hash_on_disk: str(r.config_hash_on_disk),
    timestamp: str(r.timestamp),
    status: str(r.status),
    instance_id: str(r.instance_id),
    event: str(r.event),
    code_hash: str(r.code_hash),
    executed: executedOf(r),
  };
}

function scanAll(text: string): Partial<ScannedRecord>[] {
  const out: Partial<ScannedRecord>[] = [];
  const buf = Buffer.from(text, 'utf8');
  new LineScanner(SCAN_KEYS).scan(buf, buf.length, (rec) => {
    const { odd: _odd, ...fields } = rec;
    out.push(fields.invalid ? { invalid: true } : { ...fields });
  });
  return out;
}

describe('audit line scanner', () => {
  it('every tricky line then the same top-level fields as JSON.parse, in one block and alone', () => {
    const expected = LINES.map(reference);
    expect(scanAll(`${LINES.join('\n')}\n`)).toEqual(expected);
    LINES.forEach((line, i) => expect(scanAll(line)).toEqual([expected[i]]));
  });

  it('the same lines repeated then values equal by content are reported equal (the per-key memo)', () => {
    const twice = [...LINES, ...LINES];
    expect(scanAll(`${twice.join('\n')}\n`)).toEqual(twice.map(reference));
  });

  it('blank lines and a CRLF blank line then no record', () => {
    expect(scanAll('\n\r\n\n')).toEqual([]);
  });
});
