/**
 * I/O benchmark: the daemon's run loop (TradingLoop, DRY_RUN) against the loopback fake Coinbase with
 * 100 ms of latency injected into every request and Coinbase Advanced Trade's published REST limits
 * (10 requests/s per IP for public endpoints, 30/s per user for private ones: docs.cdp.coinbase.com,
 * advanced-trade "REST API Rate Limits"; ccxt's coinbase class applies them: rateLimit 34 ms, public
 * endpoints cost 3), over the shipped universe (27 symbols). Cycles are 60 s apart on a virtual clock the
 * fake shares, so bars close at their real times relative to the fake's start.
 *
 * Figures: REST calls per steady-state cycle (counted by the fake) averaged over a simulated hour, and
 * cycle wall time (mean and slowest), each next to the uncached path measured in the same run: the
 * daemon's market data as it was before the candle cache and the quote stream (whole candle windows
 * and one public order book per symbol every cycle). Its calls are the same every cycle, so it runs 5.
 * Run alone: npx tsx scripts/bench-io.ts
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { dump, load } from 'js-yaml';
import { createCcxtExchange, type CcxtExchangeOptions } from '../src/exchange/ccxt/adapter.ts';
import { silentLogger } from '../src/log.ts';
import { VirtualClock } from '../src/runner/clock.ts';
import { TradingLoop } from '../src/runner/mainLoop.ts';
import { startFakeCoinbase } from '../test/fakes/fakeCoinbase.ts';
import { universeProducts } from '../test/fakes/universeProducts.ts';
import type { BenchRow } from './benchRow.ts';

const LATENCY_MS = 100;
const INTERVAL_MS = 60_000;
/** 2026-01-05 00:00:30 UTC: a cycle 30 s after a bar close, like the rest of the hour's cycles. */
const T0 = Date.UTC(2026, 0, 5, 0, 0, 30);

/** What one path measured: calls per steady-state cycle, wall time per cycle (ms), and the warm-up cycle's calls. */
export interface IoFigures {
  calls: number;
  meanMs: number;
  maxMs: number;
  firstCalls: number;
  byEndpoint: Record<string, number>;
}

/** A config copy for the fake venue: exchange coinbase, no jitter, no metrics server. */
function benchConfig(root: string): string {
  const dir = join(root, 'config');
  cpSync('config', dir, { recursive: true });
  const app = load(readFileSync(join(dir, 'app.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  app.exchange!.name = 'coinbase';
  app.loop!.jitter_seconds = 0;
  app.monitoring!.enabled = false;
  writeFileSync(join(dir, 'app.yaml'), dump(app));
  return dir;
}

/** Runs `cycles` steady-state cycles (after one warm-up cycle) of a DRY_RUN loop on the fake; `adapter` picks the path. */
export async function measureIo(o: { cycles: number; adapter: Partial<CcxtExchangeOptions>; latencyMs?: number }): Promise<IoFigures> {
  const root = mkdtempSync(join(tmpdir(), '247t-bench-io-'));
  const configDir = benchConfig(root);
  const clock = new VirtualClock(T0);
  const products = universeProducts(configDir);
  // ticker_batch every 50 ms of real time: each cycle's jump of the virtual clock is followed by a fresh batch at once.
  const fake = await startFakeCoinbase({ products, now: () => clock.now(), originMs: T0, tickerBatchMs: 50 });
  fake.inject({ kind: 'latency', ms: o.latencyMs ?? LATENCY_MS, count: Infinity });
  // ccxt's own rate limit for Coinbase (no rateLimitMs override): the venue's published limits.
  const ex = createCcxtExchange({ urlOverride: fake.url, clock, timeoutMs: 10_000, bookSymbols: products.map((p) => p.product_id), ...o.adapter });
  const loop = new TradingLoop({ configDir, mode: 'DRY_RUN', logDir: join(root, 'logs'), dataDir: join(root, 'data'), clock, logger: silentLogger(), market: ex, env: {} });
  try {
    await loop.start();
    await loop.runCycle(); // warm-up: markets and the first candle windows
    const firstCalls = fake.state.requests.length;
    const before = fake.requestsByEndpoint();
    const walls: number[] = [];
    for (let k = 0; k < o.cycles; k++) {
      clock.advance(INTERVAL_MS);
      const t = performance.now();
      await loop.runCycle();
      walls.push(performance.now() - t);
    }
    const after = fake.requestsByEndpoint();
    const byEndpoint = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, (v - (before[k] ?? 0)) / o.cycles]).filter(([, v]) => (v as number) > 0));
    const steady = fake.state.requests.length - firstCalls;
    await loop.stop('bench done');
    return { calls: steady / o.cycles, meanMs: walls.reduce((a, b) => a + b, 0) / walls.length, maxMs: Math.max(...walls), firstCalls, byEndpoint };
  } finally {
    await ex.close();
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  }
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** The bench section: the cached path over an hour, the uncached one over a quarter of an hour. */
export async function benchIo(): Promise<BenchRow[]> {
  const cached = await measureIo({ cycles: 60, adapter: { quoteStream: true } });
  const uncached = await measureIo({ cycles: 5, adapter: { candleCache: false, quoteStream: false } });
  const callsOk = cached.calls <= 3;
  const wallOk = cached.meanMs <= 1000;
  const endpoints = (f: IoFigures) => Object.entries(f.byEndpoint).map(([k, v]) => `${k.replace('/api/v3/brokerage', '')} ${r2(v)}`).join(', ');
  return [
    {
      name: 'REST calls per cycle, shipped universe of 27 symbols (DRY_RUN, an hour of 60 s cycles)',
      value: r2(cached.calls),
      unit: 'calls',
      baseline: `${r2(uncached.calls)} uncached`,
      ratio: r2(uncached.calls / cached.calls),
      target: '<= 3',
      ok: callsOk,
      note: `per endpoint and cycle: ${endpoints(cached)} (uncached: ${endpoints(uncached)})`,
    },
    {
      name: 'cycle wall time at 100 ms RTT, mean over the hour',
      value: Math.round(cached.meanMs),
      unit: 'ms',
      baseline: `${Math.round(uncached.meanMs)} uncached`,
      ratio: r2(uncached.meanMs / cached.meanMs),
      target: '<= 1000',
      ok: wallOk,
    },
    {
      name: 'cycle wall time at 100 ms RTT, slowest cycle',
      value: Math.round(cached.maxMs),
      unit: 'ms',
      baseline: `${Math.round(uncached.maxMs)} uncached`,
      ratio: r2(uncached.maxMs / cached.maxMs),
      note: "a cycle after a 15m close reads every symbol's new bar (27 requests at Coinbase's public 10 requests/s: 2.7 s at least), the hour's also reloads the market rules",
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchIo()) console.log(JSON.stringify(r));
}
