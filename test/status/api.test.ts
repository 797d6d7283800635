import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInputs } from '../../src/audit/read.ts';
import { summarize } from '../../src/audit/summary.ts';
import { createMetrics } from '../../src/metrics/registry.ts';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.ts';
import type { DaemonStatus } from '../../src/status/daemon.ts';
import { createStatusRoutes } from '../../src/status/routes.ts';
import { appendRecords, cycleRecord, eventRecord, fakeStatus, logDirWithSnapshots } from './fixtures.ts';

type Json = Record<string, any>;

let server: MetricsServer;
let fx: ReturnType<typeof logDirWithSnapshots>;
let status: () => DaemonStatus;
const logged: { obj: object; msg: string }[] = [];

const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
async function get(path: string): Promise<{ status: number; body: Json; text: string; headers: Headers }> {
  const res = await fetch(url(path));
  const text = await res.text();
  let body: Json = {};
  try {
    body = JSON.parse(text) as Json;
  } catch {
    body = {};
  }
  return { status: res.status, body, text, headers: res.headers };
}
/** A request with the path sent byte for byte (fetch would normalize `..` away). */
function rawGet(path: string): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', fail);
    req.end();
  });
}

beforeAll(async () => {
  fx = logDirWithSnapshots();
  // A rotated file (cycles 1-30 under hash A), then the active file: a restart under hash B,
  // cycles 31-120 with a config_drift record after each one from cycle 100.
  const rotated = join(fx.logDir, '247trader-v2_audit.2025-12-31.jsonl');
  appendRecords(rotated, [eventRecord('startup', fx.hashA, 0), ...Array.from({ length: 30 }, (_, i) => cycleRecord(i + 1, fx.hashA))]);
  const active: Record<string, unknown>[] = [eventRecord('shutdown', fx.hashA, 31), eventRecord('startup', fx.hashB, 31)];
  for (let c = 31; c <= 120; c++) {
    active.push(cycleRecord(c, fx.hashB));
    if (c >= 100) active.push(eventRecord('config_drift', fx.hashB, c, { drifted: true, config_hash_on_disk: 'ffffffffffffffff' }));
  }
  appendRecords(fx.auditFile, active);
  status = () => fakeStatus(fx.hashB);
  server = await startMetricsServer({
    port: 0,
    metrics: createMetrics({ instanceId: 'trader-1', mode: 'PAPER', configHash: fx.hashB, version: '0.1.0', commit: 'c0ffee', intervalSeconds: 60 }),
    health: () => ({ ok: true }),
    ready: () => true,
    extraRoutes: createStatusRoutes({
      loop: { status: () => status() },
      auditFile: fx.auditFile,
      logDir: fx.logDir,
      log: { error: (obj, msg) => void logged.push({ obj, msg }) },
    }),
  });
});
afterAll(async () => {
  await server?.close();
});

/** A 4xx/5xx body: only `error` and `code`, one line, no stack frames. */
function expectCleanError(r: { body: Json; text: string }, code: string): void {
  expect(Object.keys(r.body).sort()).toEqual(['code', 'error']);
  expect(r.body.code).toBe(code);
  expect(r.body.error).not.toMatch(/\n|\bat .*\(|\.ts:\d+/);
}

describe('GET /api/status', () => {
  it('running daemon then its status as JSON', async () => {
    const r = await get('/api/status');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toEqual(fakeStatus(fx.hashB));
  });

  it('status with a secret-looking field then the value is masked', async () => {
    status = () => ({ ...fakeStatus(fx.hashB), exchange: { api_key: 'AKIA-real-key', api_secret: 'sk-live-123', name: 'coinbase' } }) as unknown as DaemonStatus;
    try {
      const r = await get('/api/status');
      expect(r.body.exchange).toEqual({ api_key: '[redacted]', api_secret: '[redacted]', name: 'coinbase' });
      expect(r.text).not.toContain('sk-live-123');
      expect(r.text).not.toContain('AKIA-real-key');
    } finally {
      status = () => fakeStatus(fx.hashB);
    }
  });

  it('provider throws then 500 "internal error" without the message or a stack; the daemon log gets it', async () => {
    status = () => {
      throw new Error('database is locked at /srv/secret/path');
    };
    try {
      const r = await get('/api/status');
      expect(r.status).toBe(500);
      expectCleanError(r, 'internal');
      expect(r.text).not.toContain('database is locked');
      expect(logged.at(-1)).toMatchObject({ msg: 'status API request failed', obj: { path: '/api/status' } });
    } finally {
      status = () => fakeStatus(fx.hashB);
    }
  });

  it('a parameter then 400 unknown_param', async () => {
    const r = await get('/api/status?verbose=1');
    expect(r.status).toBe(400);
    expectCleanError(r, 'unknown_param');
    expect(r.body.error).toBe('unknown parameter "verbose": this endpoint takes no parameters');
  });
});

describe('GET /api/cycles', () => {
  const numbers = (b: Json) => (b.cycles as Json[]).map((c) => c.cycle);

  it('no limit then the last 50 cycle records, oldest first, lifecycle records left out', async () => {
    const r = await get('/api/cycles');
    expect(r.status).toBe(200);
    expect(r.body.limit).toBe(50);
    expect(r.body.count).toBe(50);
    expect(numbers(r.body)).toEqual(Array.from({ length: 50 }, (_, i) => 71 + i));
    expect((r.body.cycles as Json[]).every((c) => c.event === 'cycle')).toBe(true);
    expect(r.body.cycles[49]).toEqual(cycleRecord(120, fx.hashB));
  });

  it('limit=1 then only the newest cycle', async () => {
    expect(numbers((await get('/api/cycles?limit=1')).body)).toEqual([120]);
  });

  it('limit larger than the active file then older cycles come from the rotated file', async () => {
    const r = await get('/api/cycles?limit=100');
    expect(numbers(r.body)).toEqual(Array.from({ length: 100 }, (_, i) => 21 + i));
    expect(r.body.cycles[0].config_hash).toBe(fx.hashA);
  });

  it('limit=500 with 120 cycles in the log then all 120', async () => {
    const r = await get('/api/cycles?limit=500');
    expect(r.body.count).toBe(120);
    expect(numbers(r.body)[0]).toBe(1);
  });

  it.each(['0', '501', '-1', '1.5', 'abc', '', '1e2', ' 5', '0x10', '99999999999999999999'])('limit=%j then 400 with a message', async (v) => {
    const r = await get(`/api/cycles?limit=${encodeURIComponent(v)}`);
    expect(r.status).toBe(400);
    expectCleanError(r, 'bad_param');
    expect(r.body.error).toBe(`limit: expected an integer from 1 to 500, got ${JSON.stringify(v)}`);
  });

  it('limit given twice then 400', async () => {
    const r = await get('/api/cycles?limit=5&limit=6');
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('limit: given more than once');
  });

  it('a misspelt parameter then 400 naming the ones it takes', async () => {
    const r = await get('/api/cycles?limt=5');
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('unknown parameter "limt": this endpoint takes limit');
  });
});

describe('GET /api/config/timeline', () => {
  it('two runs then first hash A, then A to B, both with snapshots; same as audit summary', async () => {
    const r = await get('/api/config/timeline');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      timeline: [
        { timestamp: '2026-01-01T00:00:00.000Z', from: null, to: fx.hashA, from_snapshot: false, to_snapshot: true },
        { timestamp: '2026-01-01T00:00:31.000Z', from: fx.hashA, to: fx.hashB, from_snapshot: true, to_snapshot: true },
      ],
      snapshots: [fx.hashA, fx.hashB].sort(),
    });
    const summary = await summarize(resolveInputs([fx.logDir]));
    expect(r.body.timeline.map((c: Json) => ({ timestamp: c.timestamp, from: c.from, to: c.to }))).toEqual(summary.timeline);
  });
});

describe('GET /api/config/diff', () => {
  it('A to B then policy.yaml shows the added line, the other files identical', async () => {
    const r = await get(`/api/config/diff?from=${fx.hashA}&to=${fx.hashB}`);
    expect(r.status).toBe(200);
    expect(r.body.from).toBe(fx.hashA);
    expect(r.body.to).toBe(fx.hashB);
    expect(r.body.files.map((f: Json) => [f.file, f.identical])).toEqual([
      ['policy.yaml', false],
      ['signals.yaml', true],
      ['universe.yaml', true],
    ]);
    const policy = r.body.files[0].diff as string;
    expect(policy.split('\n').slice(0, 2)).toEqual([`--- ${fx.hashA}/policy.yaml`, `+++ ${fx.hashB}/policy.yaml`]);
    expect(policy).toContain('\n+# edited for the status page test\n');
    expect(policy.split('\n').filter((l) => /^[+-][^+-]/.test(l))).toEqual(['+# edited for the status page test']);
    expect(r.body.unhashed_changed).toEqual([]);
  });

  it('a well-formed hash with no snapshot then 404', async () => {
    const r = await get(`/api/config/diff?from=${fx.hashA}&to=0123456789abcdef`);
    expect(r.status).toBe(404);
    expectCleanError(r, 'snapshot_not_found');
    expect(r.body.error).toContain('no config snapshot for 0123456789abcdef');
  });

  it.each([
    ['missing to', (a: string) => `from=${a}`, 'to: required (a config hash, 16 lowercase hex characters)'],
    ['a prefix', (a: string) => `from=${a.slice(0, 8)}&to=${a}`, 'from: expected a config hash'],
    ['upper case', (a: string) => `from=${a.toUpperCase()}&to=${a}`, 'from: expected a config hash'],
    ['17 characters', (a: string) => `from=${a}0&to=${a}`, 'from: expected a config hash'],
  ])('%s then 400', async (_name, query, message) => {
    const r = await get(`/api/config/diff?${query(fx.hashA)}`);
    expect(r.status).toBe(400);
    expectCleanError(r, 'bad_param');
    expect(r.body.error).toContain(message);
  });

  it('altered snapshot then 500 snapshot_altered without its path', async () => {
    const f = join(fx.logDir, 'config_snapshots', fx.hashA, 'signals.yaml');
    appendFileSync(f, '# tampered\n');
    const r = await get(`/api/config/diff?from=${fx.hashA}&to=${fx.hashB}`);
    expect(r.status).toBe(500);
    expectCleanError(r, 'snapshot_altered');
    expect(r.body.error).toBe(`config snapshot ${fx.hashA} was altered: its files no longer hash to its name`);
    // Put it back for the other tests (the file must hash to its name again).
    writeFileSync(f, readFileSync(f, 'utf8').replace('# tampered\n', ''));
    expect((await get(`/api/config/diff?from=${fx.hashA}&to=${fx.hashB}`)).status).toBe(200);
  });
});

describe('path traversal', () => {
  const attempts = [
    '../../etc/passwd',
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '%252e%252e%252fetc%252fpasswd',
    '..%5c..%5cetc%5cpasswd',
    '%2Fetc%2Fpasswd',
    '....//....//etc/passwd',
    '0123456789abcdef%2F..%2F..%2F..%2Fetc%2Fpasswd',
    '0123456789abcdef%00',
    '..',
    '.',
    'config_snapshots',
  ];

  it.each(attempts)('from=%s then 400 and no file content', async (from) => {
    for (const path of [`/api/config/diff?from=${from}&to=${fx.hashB}`, `/api/config/diff?from=${fx.hashA}&to=${from}`]) {
      const r = await rawGet(path);
      expect(r.status).toBe(400);
      const body = JSON.parse(r.text) as Json;
      expect(body.code).toBe('bad_param');
      expect(r.text).not.toMatch(/root:|policy:|risk:/);
    }
  });

  it('dot segments in the path then not a status route (404 from the server), never a file', async () => {
    for (const path of ['/api/../../etc/passwd', '/api/config/diff/../../../etc/passwd', '/status/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/api/config/%2e%2e/%2e%2e/etc/passwd']) {
      const r = await rawGet(path);
      expect(r.status).toBe(404);
      expect(r.text).not.toContain('root:');
    }
  });
});

describe('the page and methods', () => {
  it.each(['/', '/status'])('GET %s then the HTML page with a CSP that allows only its own inline script', async (path) => {
    const r = await get(path);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.text).toContain('<span class="hash" id="config-hash">');
    // Nothing loaded from elsewhere: no script src, no stylesheet, no absolute URL (the SVG namespace aside).
    expect(r.text).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
  });

  it('POST to the API then 405 read-only', async () => {
    const res = await fetch(url('/api/status'), { method: 'POST', body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await res.json()).toEqual({ error: 'POST /api/status: read-only, use GET', code: 'method_not_allowed' });
  });

  it('unknown /api path then the server 404, metrics still served', async () => {
    expect((await get('/api/nope')).status).toBe(404);
    expect((await get('/metrics')).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
  });
});
