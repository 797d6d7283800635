/**
 * The real TradingLoop in PAPER on a virtual clock, fed by a market that spoils prices and candles
 * (FaultyMarket): no order may be sized or filled from a bad price, a failed fetch is recorded as
 * data_unavailable:<what>, and the loop keeps going.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { createSimExchange } from '../../src/exchange/sim/index.ts';
import type { Product } from '../../src/exchange/types.ts';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { copyConfig, tempDir } from '../helpers/cli.ts';
import { checkRun } from './consistency.ts';
import { CANDLE_FAULTS, FaultyMarket, PRODUCT_FAULTS, SPIKE_FAULTS, type CycleFaults, type FaultPlan } from './market/faultyMarket.ts';

const START = Date.parse('2026-01-01T00:00:00Z');
const INTERVAL_MS = 60_000;

/** Runs `cycles` PAPER cycles against the faulty market; returns each record beside what was spoiled in it. */
async function runFaulty(plan: Omit<FaultPlan, 'seed'> & { seed?: number }, cycles: number) {
  const root = tempDir('247t-badmkt-');
  const clock = new VirtualClock(START);
  const market = new FaultyMarket(createSimExchange({ seed: 247, clock }), { seed: 9, ...plan });
  const loop = new TradingLoop({ configDir: copyConfig(root), mode: 'PAPER', logDir: join(root, 'logs'), dataDir: join(root, 'data'), clock, logger: silentLogger(), market });
  await loop.start();
  const runs: { rec: CycleRecord; faults: CycleFaults }[] = [];
  try {
    for (let k = 0; k < cycles; k++) {
      const rec = await loop.runCycle();
      runs.push({ rec, faults: market.cycles[k]! });
      clock.advance(INTERVAL_MS);
    }
  } finally {
    await loop.stop('test');
  }
  const report = await checkRun({ logDir: join(root, 'logs'), dataDir: join(root, 'data'), mode: 'PAPER', startingCashUsd: loop.config.policy.sizing.starting_cash_usd });
  rmSync(root, { recursive: true, force: true });
  const u = loop.config.universe.tiers;
  const universe = new Set([...u.tier_1.symbols, ...u.tier_2.symbols, ...u.tier_3.symbols]);
  return { runs, report, universe };
}

/** Orders whose fill price is not a finite positive number within 2% of the sim's real book. */
function badFills(runs: { rec: CycleRecord; faults: CycleFaults }[]): string[] {
  const out: string[] = [];
  for (const { rec, faults } of runs) {
    for (const o of rec.orders) {
      if (o.status !== 'filled') continue;
      const truth = faults.truth.get(o.symbol) as Product;
      const p = o.price ?? Number.NaN;
      const ok = Number.isFinite(p) && p > 0 && p >= truth.bid * 0.98 && p <= truth.ask * 1.02;
      if (!ok) out.push(`cycle ${rec.cycle} ${o.side} ${o.symbol} filled at ${p}, market ${truth.bid}/${truth.ask} (${faults.products.get(o.symbol) ?? 'no product fault'})`);
    }
  }
  return out;
}

/**
 * Spoilt products of the configured universe that the cycle record does not list under
 * universe.excluded with `reason` (or an earlier hard reason such as not_online); empty when all are named.
 */
function recordedAs(runs: { rec: CycleRecord; faults: CycleFaults }[], universe: ReadonlySet<string>, reason: string): string[] {
  const ok = new Set([reason, 'never_trade', 'not_online', 'temporary_ban', 'low_volume', 'wide_spread']);
  return runs.flatMap(({ rec, faults }) =>
    [...faults.products.keys()]
      .filter((s) => universe.has(s) && !rec.universe!.excluded.some((e) => e.symbol === s && ok.has(e.reason)))
      .map((s) => `cycle ${rec.cycle}: ${s}`),
  );
}

const noExceptions = (runs: { rec: CycleRecord }[]) => runs.filter((r) => String(r.rec.no_trade_reason).startsWith('exception:')).map((r) => r.rec.no_trade_reason);

/**
 * Symbols the cycle traded or ranked among its top triggers, that are in `bad`. A PAPER order placed
 * earlier that expires this cycle (`cancelled`) uses no price: it does not count.
 */
const usedBad = (rec: CycleRecord, bad: readonly string[], entriesOnly = false) =>
  [...rec.orders.filter((o) => (!entriesOnly || o.intent === 'entry') && o.status !== 'cancelled').map((o) => o.symbol), ...(rec.triggers?.top_3.map((t) => t.symbol) ?? [])].filter((s) => bad.includes(s));

describe('bad market data under the real loop (PAPER, virtual clock)', () => {
  it('NaN, zero, negative, infinite, inverted and missing prices plus failing fetches then no order uses them and every cycle is recorded', async () => {
    const faults = PRODUCT_FAULTS.filter((f) => f !== 'conflicting_duplicate');
    const { runs, report } = await runFaulty({ productFaults: faults, productRate: 0.3, candleFaults: [], candleRate: 0, throwRate: 0.03 }, 400);

    expect(runs).toHaveLength(400);
    expect(noExceptions(runs)).toEqual([]);
    // Not vacuous: the faults hit most cycles and the loop still traded on the clean symbols.
    expect(runs.filter((r) => r.faults.products.size > 0).length).toBeGreaterThan(300);
    expect(runs.filter((r) => r.rec.status === 'EXECUTED').length).toBeGreaterThan(0);

    // A failed fetch: that cycle says which.
    const failed = runs.filter((r) => r.faults.threw.length > 0);
    expect(failed.length).toBeGreaterThan(5);
    for (const { rec, faults } of failed) expect(rec.no_trade_reason).toBe(`data_unavailable:${faults.threw[0]}`);

    // No trigger and no order on a symbol whose product was spoilt this cycle.
    for (const { rec, faults } of runs) expect({ cycle: rec.cycle, used: usedBad(rec, [...faults.products.keys()]) }).toEqual({ cycle: rec.cycle, used: [] });
    expect(badFills(runs)).toEqual([]);

    // The audit log and the book agree at the end.
    expect(report.seqBreaks).toEqual([]);
    expect(report.reconcile).toEqual([]);
    expect(report.fillsWithoutRecord).toEqual([]);
    expect(report.recordedNotBooked).toEqual([]);
  });

  it('a symbol listed twice with conflicting books then no order is priced from the wrong one', async () => {
    const { runs, universe } = await runFaulty({ productFaults: ['conflicting_duplicate'], productRate: 0.2, candleFaults: [], candleRate: 0, throwRate: 0 }, 400);
    expect(noExceptions(runs)).toEqual([]);
    expect(badFills(runs)).toEqual([]);
    expect(runs.filter((r) => r.rec.status === 'EXECUTED').length).toBeGreaterThan(0);
    expect(recordedAs(runs, universe, 'duplicate_listing')).toEqual([]);
  });

  it('candles with NaN, zero, negative, out-of-order, duplicate, missing or stale bars, or a gap, then no trigger or entry from a broken series', async () => {
    const broken = CANDLE_FAULTS.filter((f) => f !== 'spike');
    const { runs, report } = await runFaulty({ productFaults: [], productRate: 0, candleFaults: broken, candleRate: 0.3, throwRate: 0 }, 400);

    expect(noExceptions(runs)).toEqual([]);
    expect(runs.filter((r) => r.rec.status === 'EXECUTED').length).toBeGreaterThan(0);
    let hits = 0;
    for (const { rec, faults } of runs) {
      const bad = [...faults.candles.keys()];
      hits += bad.length;
      expect({ cycle: rec.cycle, used: usedBad(rec, bad, true) }).toEqual({ cycle: rec.cycle, used: [] });
    }
    expect(hits).toBeGreaterThan(100);
    expect(badFills(runs)).toEqual([]);
    expect(report.reconcile).toEqual([]);
    expect(report.fillsWithoutRecord).toEqual([]);
  });

  it('a last candle 100x the ticker (an absurd spike) then the series is skipped: no trigger and no entry from it', async () => {
    const { runs } = await runFaulty({ productFaults: [], productRate: 0, candleFaults: ['spike'], candleRate: 0.2, throwRate: 0 }, 400);
    expect(noExceptions(runs)).toEqual([]);
    const used = runs.flatMap(({ rec, faults }) => usedBad(rec, [...faults.candles.keys()]).map((s) => `cycle ${rec.cycle}: ${s}`));
    expect([...new Set(used)].slice(0, 5)).toEqual([]);
    // Every spiked series belonged to a symbol whose candles were fetched (eligible or held): the record names it.
    const unnamed = runs.flatMap(({ rec, faults }) =>
      [...faults.candles.keys()].filter((s) => !rec.universe!.excluded.some((e) => e.symbol === s && e.reason === 'price_mismatch')).map((s) => `cycle ${rec.cycle}: ${s}`),
    );
    expect(unnamed.slice(0, 5)).toEqual([]);
  });

  it('a book 100x above or below the market (a consistent but absurd spike) then no order is sized or filled from it', async () => {
    const { runs, universe } = await runFaulty({ productFaults: SPIKE_FAULTS, productRate: 0.1, candleFaults: [], candleRate: 0, throwRate: 0 }, 400);
    expect(runs.filter((r) => r.faults.products.size > 0).length).toBeGreaterThan(300);
    expect(badFills(runs)).toEqual([]);
    for (const { rec, faults } of runs) expect({ cycle: rec.cycle, ordered: usedBad(rec, [...faults.products.keys()]) }).toEqual({ cycle: rec.cycle, ordered: [] });
    expect(runs.filter((r) => r.rec.status === 'EXECUTED').length).toBeGreaterThan(0);
    expect(recordedAs(runs, universe, 'price_mismatch')).toEqual([]);
  });

  it('a product excluded for a bad price or skipped for broken candles then the cycle record says which and why', async () => {
    const { runs, universe } = await runFaulty({ productFaults: ['nan', 'negative'], productRate: 0.2, candleFaults: ['nan', 'out_of_order', 'gap'], candleRate: 0.2, throwRate: 0 }, 30);
    // An operator reads the audit log, not the stages: each spoilt symbol is named with its reason.
    // A symbol the universe had already left out for an earlier hard reason (e.g. not_online) keeps that reason.
    const EARLIER = ['never_trade', 'not_online', 'temporary_ban'];
    let named = 0;
    for (const { rec, faults } of runs) {
      const excluded = new Map(rec.universe!.excluded.map((e) => [e.symbol, e.reason]));
      const skipped = new Map(rec.triggers!.skipped.map((e) => [e.symbol, e.reason]));
      for (const [symbol] of faults.products) {
        if (!universe.has(symbol)) continue;
        const reason = excluded.get(symbol) ?? 'not recorded';
        expect(reason === 'bad_price' || EARLIER.includes(reason), `cycle ${rec.cycle}: ${symbol} excluded as ${reason}`).toBe(true);
        named++;
      }
      for (const [symbol] of faults.candles) {
        // Candles are fetched for eligible and held symbols; only eligible ones reach the trigger scan.
        if (excluded.has(symbol)) continue;
        expect(skipped.get(symbol) ?? 'not recorded', `cycle ${rec.cycle}: ${symbol}`).toMatch(/^(bad_candle: timeframe=(h1|m15), index=\d+|candle_gap: timeframe=(h1|m15), index=\d+, missing_bars=\d+)$/);
        named++;
      }
    }
    expect(named).toBeGreaterThan(50);
  });
});
