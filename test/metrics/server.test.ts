import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/registry.ts';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.ts';
import type { Health } from '../../src/metrics/health.ts';
import { parseProm, valueOf } from './promText.ts';

const metrics = () => createMetrics({ instanceId: 'trader-1', mode: 'PAPER', configHash: 'deadbeefdeadbeef', version: '0.1.0', commit: 'c0ffee', intervalSeconds: 5 });

let servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(o: { health?: () => Health; ready?: () => boolean; extraRoutes?: Parameters<typeof startMetricsServer>[0]['extraRoutes'] } = {}) {
  const s = await startMetricsServer({ port: 0, metrics: metrics(), health: o.health ?? (() => ({ ok: true })), ready: o.ready ?? (() => true), extraRoutes: o.extraRoutes });
  servers.push(s);
  return (path: string) => fetch(`http://127.0.0.1:${s.port}${path}`);
}

describe('startMetricsServer', () => {
  it('GET /metrics then prometheus text with the config hash', async () => {
    const get = await start();
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const s = parseProm(await res.text());
    expect(valueOf(s, 'trader_config_info', { config_hash: 'deadbeefdeadbeef', instance: 'trader-1', mode: 'PAPER' })).toBe(1);
  });

  it('healthy then /healthz 200 ok; unhealthy then 503 with the reason', async () => {
    let health: Health = { ok: true };
    const get = await start({ health: () => health });
    let res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    health = { ok: false, reason: 'LOOP_STALLED: last_cycle_age_s=16, limit_s=15' };
    res = await get('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unhealthy', reason: 'LOOP_STALLED: last_cycle_age_s=16, limit_s=15' });
  });

  it('startup not done then /readyz 503; done then 200', async () => {
    let ready = false;
    const get = await start({ ready: () => ready });
    expect((await get('/readyz')).status).toBe(503);
    ready = true;
    const res = await get('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready' });
  });

  it('unknown path then extraRoutes first, 404 when it declines', async () => {
    const get = await start({
      extraRoutes: (req, res) => {
        if (req.url !== '/status') return false;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('status page');
        return true;
      },
    });
    const page = await get('/status');
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('status page');
    expect((await get('/nope')).status).toBe(404);
    // Fixed routes are not overridable by extraRoutes; a query string does not matter.
    expect((await get('/healthz?verbose=1')).status).toBe(200);
  });

  it('health callback throws then 500 and the server keeps serving', async () => {
    const get = await start({
      health: () => {
        throw new Error('boom');
      },
    });
    const res = await get('/healthz');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ status: 'error', reason: 'boom' });
    expect((await get('/metrics')).status).toBe(200);
  });

  it('port already taken then rejects naming the address', async () => {
    const first = await startMetricsServer({ port: 0, metrics: metrics(), health: () => ({ ok: true }), ready: () => true });
    servers.push(first);
    await expect(startMetricsServer({ port: first.port, metrics: metrics(), health: () => ({ ok: true }), ready: () => true })).rejects.toThrow(
      `metrics server cannot listen on 127.0.0.1:${first.port}: EADDRINUSE`,
    );
  });

  it('close with a keep-alive client connected then resolves and the port is free', async () => {
    const s = await startMetricsServer({ port: 0, metrics: metrics(), health: () => ({ ok: true }), ready: () => true });
    await fetch(`http://127.0.0.1:${s.port}/metrics`); // undici keeps the connection alive
    await s.close();
    await expect(fetch(`http://127.0.0.1:${s.port}/metrics`)).rejects.toThrow();
  });
});
