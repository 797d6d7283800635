/**
 * The daemon's market data on a real exchange (the fake Coinbase over loopback), end to end through the
 * run loop as app.yaml builds it: over a simulated hour of 60 s cycles with bars closing at their real
 * times, a DRY_RUN makes at most 3 REST calls per steady-state cycle for the shipped universe (counted
 * by the fake, per endpoint), and its decisions are those of the uncached path on the same data.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { createCcxtExchange } from '../../src/exchange/ccxt/adapter.ts';
import { URL_OVERRIDE_ENV } from '../../src/exchange/index.ts';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { startFakeCoinbase, type FakeCoinbase } from '../fakes/fakeCoinbase.ts';
import { universeProducts } from '../fakes/universeProducts.ts';
import { tempDir } from '../helpers/cli.ts';
import { liveTestConfig } from '../live/helpers.ts';

/** 2026-01-05 00:00:30 UTC: cycles 30 s after each bar close. */
const T0 = Date.UTC(2026, 0, 5, 0, 0, 30);
const CYCLE_MS = 60_000;

const fakes: FakeCoinbase[] = [];
const loops: TradingLoop[] = [];
afterEach(async () => {
  for (const l of loops.splice(0)) await l.stop('test done').catch(() => undefined);
  for (const f of fakes.splice(0)) await f.close();
});

/** A DRY_RUN loop on its own fake and virtual clock; `uncached` passes the pre-cache adapter as its market, else app.yaml builds it. */
async function dryRun(o: { uncached: boolean; configDir?: string }) {
  const root = tempDir('247t-md-');
  const configDir = o.configDir ?? liveTestConfig(root);
  const clock = new VirtualClock(T0);
  // The fake's 1h bars aggregate its 15m bars, as a venue's do, so derived and fetched hours agree.
  const fake = await startFakeCoinbase({ products: universeProducts(configDir), now: () => clock.now(), originMs: T0, hourlyFromQuarters: true, tickerBatchMs: 20 });
  fakes.push(fake);
  const market = o.uncached
    ? createCcxtExchange({ urlOverride: fake.url, clock, rateLimitMs: 1, timeoutMs: 5000, candleCache: false, bookSymbols: [...fake.state.products.keys()] })
    : undefined;
  const loop = new TradingLoop({ configDir, mode: 'DRY_RUN', logDir: join(root, 'logs'), dataDir: join(root, 'data'), clock, logger: silentLogger(), env: { [URL_OVERRIDE_ENV]: fake.url }, ...(market && { market }) });
  loops.push(loop);
  await loop.start();
  return { fake, clock, loop };
}

/** Resolves once the fake has sent another ticker_batch (it sends one every 20 ms of real time). */
async function nextBatch(fake: FakeCoinbase): Promise<void> {
  const sent = fake.tickerBatchesSent();
  while (fake.tickerBatchesSent() === sent) await new Promise((r) => setTimeout(r, 5));
}

describe('market data I/O of a DRY_RUN daemon on the fake Coinbase', () => {
  it('an hour of 60 s cycles on the 27-symbol universe then at most 3 REST calls per steady-state cycle, by the fake\'s count', async () => {
    const { fake, clock, loop } = await dryRun({ uncached: false });
    const first = await loop.runCycle(); // warm-up: markets, a week of 15m bars per symbol
    expect(first.universe?.total_eligible).toBe(27);
    const before = fake.requestsByEndpoint();
    const cycles = 60;
    for (let k = 0; k < cycles; k++) {
      clock.advance(CYCLE_MS);
      await nextBatch(fake); // a batch stamped with the new time is on its way, as one is every 5 s on the venue
      const c = await loop.runCycle();
      expect(c.no_trade_reason ?? '').not.toMatch(/data_unavailable/);
    }
    const after = fake.requestsByEndpoint();
    const per = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, (v - (before[k] ?? 0)) / cycles]).filter(([, v]) => (v as number) > 0));
    const total = (Object.values(per) as number[]).reduce((a, b) => a + b, 0);
    // The products list every cycle; each symbol's new 15m bar once a quarter hour (27 x 4 / 60 = 1.8); no order
    // books over REST (the ticker stream); the hourly markets reload at the hour's end (5 requests / 60).
    expect(per['GET /api/v3/brokerage/market/products/{product_id}/candles']).toBeCloseTo(1.8, 5);
    expect(per['GET /api/v3/brokerage/market/product_book']).toBeUndefined();
    expect(per['GET /api/v3/brokerage/best_bid_ask']).toBeUndefined();
    expect(total).toBeLessThanOrEqual(3);
    expect(fake.wsConnections()).toBe(1);
  }, 180_000);

  it('two hours of 5-minute cycles on the same data then every cycle record equals the uncached path\'s (stage latencies aside)', async () => {
    const configDir = liveTestConfig(tempDir('247t-md-'));
    const cached = await dryRun({ uncached: false, configDir });
    const uncached = await dryRun({ uncached: true, configDir });
    const strip = (c: CycleRecord) => ({ ...c, stage_latencies: undefined });
    let orders = 0;
    // 24 cycles 5 minutes apart: 8 quarter-hour closes and 2 hour closes (the derived 1h bars change twice).
    for (let k = 0; k < 24; k++) {
      const a = await cached.loop.runCycle();
      const b = await uncached.loop.runCycle();
      expect(strip(a)).toEqual(strip(b));
      orders += a.orders.length;
      cached.clock.advance(5 * 60_000);
      uncached.clock.advance(5 * 60_000);
    }
    expect(orders).toBeGreaterThan(0); // the data made decisions to compare
  }, 300_000);
});
