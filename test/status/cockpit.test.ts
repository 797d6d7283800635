/**
 * The status page's cockpit data from a real TradingLoop (PAPER, sim market, virtual clock,
 * 15-minute cycles) behind the real metrics server: recent fills with the config hash of each,
 * the equity curve, positions at their mark with unrealized PnL and distance to the stop.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { daemonStatus } from '../../src/status/daemon.ts';
import { StateStore } from '../../src/state/store.ts';
import { createStatusRoutes } from '../../src/status/routes.ts';
import { copyConfig, tempDir } from '../helpers/cli.ts';

type Json = Record<string, any>;
let loop: TradingLoop;
let server: MetricsServer;
let root: string;
const get = async (path: string) => {
  const post = path.startsWith('POST ');
  const res = await fetch(`http://127.0.0.1:${server.port}${post ? path.slice(5) : path}`, { method: post ? 'POST' : 'GET' });
  return { status: res.status, body: (await res.json()) as Json };
};

beforeAll(async () => {
  root = tempDir('247t-cockpit-');
  loop = new TradingLoop({ configDir: copyConfig(root), mode: 'PAPER', logDir: join(root, 'logs'), dataDir: join(root, 'data'), clock: new VirtualClock(Date.parse('2026-01-01T00:00:00Z')), intervalSeconds: 900, logger: silentLogger() });
  await loop.start();
  await loop.run(new AbortController().signal, { maxCycles: 300 });
  server = await startMetricsServer({ port: 0, metrics: loop.metrics, health: () => loop.health(), ready: () => loop.ready(), extraRoutes: createStatusRoutes({ loop: { status: () => daemonStatus(loop.state()), recentFills: (n) => loop.recentFills(n) }, auditFile: loop.auditFile, logDir: loop.logDir }) });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await loop?.stop('test');
});

describe('status page cockpit data', () => {
  it('GET /api/fills then the book\'s last fills, each with the config hash and cycle of its record', async () => {
    const all = loop.recentFills(1000);
    expect(all.length).toBeGreaterThan(5);
    const r = await get('/api/fills?limit=5');
    expect(r.status).toBe(200);
    expect(r.body.count).toBe(5);
    expect(r.body.fills.map((f: Json) => f.client_order_id)).toEqual(all.slice(-5).map((f) => f.clientOrderId));
    for (const f of r.body.fills) {
      expect(f).toMatchObject({ config_hash: loop.configHash, code_version: expect.any(String) });
      expect(f.client_order_id).toBe(`trader-1-${f.cycle}-${f.symbol}-${f.side}`);
    }
    const sells = (await get('/api/fills?limit=500')).body.fills.filter((f: Json) => f.side === 'sell');
    expect(sells.length).toBeGreaterThan(0);
    for (const f of sells) expect(typeof f.realized_pnl_usd).toBe('number');
  });

  it('GET /api/equity then one point per recent cycle, the last equal to the status equity', async () => {
    const r = await get('/api/equity?limit=100');
    expect(r.body.count).toBe(100);
    expect(r.body.points.at(-1)).toMatchObject({ cycle: 300, equity_usd: daemonStatus(loop.state()).portfolio!.equity_usd });
  });

  it('GET /api/status then each position has its mark, unrealized PnL and distance to stop, worked out from the book', async () => {
    const positions = daemonStatus(loop.state()).portfolio!.positions;
    expect(positions.length).toBeGreaterThan(0);
    const store = StateStore.open({ dir: join(root, 'data'), mode: 'PAPER', startingCashUsd: 0 });
    const book = new Map(store.positions().map((p) => [p.symbol, p]));
    store.close();
    for (const p of positions) {
      const b = book.get(p.symbol)!;
      expect(p.mark_price).toBeGreaterThan(0);
      expect(p.unrealized_pnl_usd).toBeCloseTo((p.mark_price! - b.avgEntryPrice) * b.quantity, 2);
      expect(p.stop_loss_price).toBe(b.stopLossPrice);
      expect(p.distance_to_stop_pct).toBeCloseTo(((p.mark_price! - b.stopLossPrice) / p.mark_price!) * 100, 2);
    }
  });

  it('POST to a cockpit endpoint or a bad limit then 405 and 400: the page stays read-only', async () => {
    expect((await get('POST /api/fills')).status).toBe(405);
    expect((await get('/api/equity?limit=0')).status).toBe(400);
    expect((await get('/api/fills?limit=5&x=1')).status).toBe(400);
  });
});
