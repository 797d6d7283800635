/**
 * The control API against a real TradingLoop (PAPER, sim market, virtual clock) behind the real
 * metrics server on loopback: what an operator's curl gets back, and what the audit log and the
 * next cycle show.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createControlRoutes, MAX_BODY_BYTES } from '../../src/control/routes.ts';
import { controlToken } from '../../src/control/token.ts';
import { silentLogger } from '../../src/log.ts';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { daemonStatus } from '../../src/status/daemon.ts';
import { copyConfig, tempDir } from '../helpers/cli.ts';

const START = Date.parse('2026-01-01T00:00:00Z');
const TOKEN = 'test-token-0123456789abcdef0123456789';

type Rec = Record<string, unknown>;
const records = (root: string): Rec[] =>
  readFileSync(join(root, 'logs', '247trader-v2_audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec);

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function daemon(rateLimit = { max: 100, windowMs: 60_000 }) {
  const root = tempDir('247t-control-');
  const clock = new VirtualClock(START);
  const loop = new TradingLoop({ configDir: copyConfig(root), mode: 'PAPER', logDir: join(root, 'logs'), dataDir: join(root, 'data'), clock, logger: silentLogger() });
  /** One cycle, then the virtual clock moves one interval on. */
  const cycle = async () => {
    const r = await loop.runCycle();
    clock.advance(loop.intervalMs);
    return r;
  };
  await loop.start();
  const control = createControlRoutes({ token: TOKEN, apply: (r) => loop.control(r), rateLimit });
  const server: MetricsServer = await startMetricsServer({ port: 0, metrics: loop.metrics, health: () => loop.health(), ready: () => loop.ready(), extraRoutes: control });
  cleanup.push(async () => {
    await server.close();
    await loop.stop('test');
  });
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  const post = async (path: string, body: unknown, token: string | null = TOKEN, init: RequestInit = {}) => {
    const res = await fetch(url(path), { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: token === null ? {} : { authorization: `Bearer ${token}` }, ...init });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Rec };
  };
  return { root, loop, url, post, cycle };
}

describe('control API', () => {
  it('POST pause with the token then a control record, then the halt, and the next cycle is HALTED with entries denied', async () => {
    const d = await daemon();
    await d.cycle();
    const r = await d.post('/api/control/pause', { by: 'ops', reason: 'test' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ action: 'pause', changed: true });
    const recs = records(d.root);
    const control = recs.findIndex((x) => x.event === 'control');
    expect(recs[control]).toMatchObject({ action: 'pause', by: 'ops', reason: 'test', source: 'api', remote: '127.0.0.1', seq: r.body.seq, config_hash: d.loop.configHash });
    expect(recs[control + 1]).toMatchObject({ event: 'halt', reason: 'operator_pause', by: 'ops', control_seq: r.body.seq });
    const next = await d.cycle();
    expect(next.trading_state).toBe('HALTED');
    expect(next.risk_violations.join(' ')).toContain('state=HALTED');
    expect(next.orders.filter((o) => o.intent === 'entry')).toEqual([]);
    expect(daemonStatus(d.loop.state()).halt).toMatchObject({ reason: 'operator_pause', by: 'ops' });

    const resumed = await d.post('/api/control/resume', { by: 'alice', reason: 'all clear' });
    expect(resumed.body).toMatchObject({ action: 'resume', changed: true });
    expect(records(d.root).at(-1)).toMatchObject({ event: 'resume', by: 'alice', halt_reason: 'operator_pause', control_seq: resumed.body.seq });
    expect((await d.cycle()).trading_state).not.toBe('HALTED');
  });

  it('no token, a wrong token or a token in the query string then refused and nothing recorded or changed', async () => {
    const d = await daemon();
    const before = records(d.root).length;
    expect((await d.post('/api/control/pause', { by: 'ops', reason: 'x' }, null)).status).toBe(401);
    const wrong = await d.post('/api/control/pause', { by: 'ops', reason: 'x' }, `${TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect((await d.post('/api/control/pause', { by: 'ops', reason: 'x' }, 'Bearer-less')).status).toBe(401);
    const query = await d.post(`/api/control/pause?token=${TOKEN}`, { by: 'ops', reason: 'x' }, null);
    expect(query).toMatchObject({ status: 400, body: { code: 'query_refused' } });
    expect(records(d.root)).toHaveLength(before);
    expect(daemonStatus(d.loop.state()).halt).toBeNull();
  });

  it('GET, a bad body, a 1 MB body, an unknown action or a symbol not held then 405, 400, 413, 404, 400 with the reason', async () => {
    const d = await daemon();
    const before = records(d.root).length;
    const get = await fetch(d.url('/api/control/pause'), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await d.post('/api/control/pause', 'not json')).toMatchObject({ status: 400, body: { code: 'bad_body' } });
    expect(await d.post('/api/control/pause', { by: 'ops' })).toMatchObject({ status: 400, body: { code: 'bad_body', error: expect.stringContaining('reason') } });
    expect(await d.post('/api/control/pause', { by: 'ops', reason: 'x', extra: 1 })).toMatchObject({ status: 400 });
    expect(await d.post('/api/control/exit', { by: 'ops', reason: 'x' })).toMatchObject({ status: 400, body: { error: expect.stringContaining('symbol') } });
    const big = await d.post('/api/control/pause', JSON.stringify({ by: 'ops', reason: 'x'.repeat(1024 * 1024) }));
    expect(big).toMatchObject({ status: 413, body: { code: 'body_too_large' } });
    expect(1024 * 1024).toBeGreaterThan(MAX_BODY_BYTES);
    expect((await d.post('/api/control/reboot', { by: 'ops', reason: 'x' })).status).toBe(404);
    const notHeld = await d.post('/api/control/exit', { by: 'ops', reason: 'x', symbol: 'BTC-USD' });
    expect(notHeld).toMatchObject({ status: 400, body: { code: 'not_held', error: 'symbol: BTC-USD is not held (held: none)' } });
    expect(records(d.root)).toHaveLength(before);
  });

  it('more requests than the rate limit then 429 with Retry-After and the extra request changes nothing', async () => {
    const d = await daemon({ max: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await d.post('/api/control/resume', { by: 'ops', reason: `r${i}` })).status).toBe(200);
    const before = records(d.root).length;
    const r = await d.post('/api/control/pause', { by: 'ops', reason: 'x' });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(records(d.root)).toHaveLength(before);
    expect(daemonStatus(d.loop.state()).halt).toBeNull();
  });

  it('a replayed request id then the first answer again and no second record', async () => {
    const d = await daemon();
    const first = await d.post('/api/control/pause', { by: 'ops', reason: 'x', request_id: 'req-1' });
    const n = records(d.root).length;
    const again = await d.post('/api/control/pause', { by: 'ops', reason: 'x', request_id: 'req-1' });
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(records(d.root)).toHaveLength(n);
  });

  it('exit of a held position then it is sold at the next cycle with the control record before the order', async () => {
    const d = await daemon();
    let held: string | undefined;
    for (let i = 0; i < 400 && !held; i++) {
      await d.cycle();
      held = daemonStatus(d.loop.state()).portfolio?.positions[0]?.symbol;
    }
    expect(held).toBeDefined();
    const r = await d.post('/api/control/exit', { by: 'ops', reason: 'take it off', symbol: held });
    expect(r.body).toMatchObject({ action: 'exit', exits: [held] });
    const cycle = await d.cycle();
    expect(cycle.orders.find((o) => o.symbol === held)).toMatchObject({ side: 'sell', intent: 'exit' });
    const recs = records(d.root);
    const control = recs.findIndex((x) => x.event === 'control');
    const order = recs.findIndex((x) => x.event === 'order_intent' && x.symbol === held && x.side === 'sell');
    expect(control).toBeGreaterThan(-1);
    expect(order).toBeGreaterThan(control);
  });
});

describe('control token', () => {
  it('a token shorter than 32 characters then refused with a message that does not echo it', () => {
    expect(() => controlToken({ TRADER_CONTROL_TOKEN: 'short-secret' })).toThrow('TRADER_CONTROL_TOKEN: expected at least 32 characters, got 12');
    expect(() => controlToken({ TRADER_CONTROL_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
    expect(controlToken({})).toBeUndefined();
    expect(controlToken({ TRADER_CONTROL_TOKEN: TOKEN })).toBe(TOKEN);
  });
});
