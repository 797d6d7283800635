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

const noExceptions = (runs: { rec: CycleRecord }[]) => runs.filter((r) => String(r.rec.no_trade_reason).startsWith('exception:')).map((r) => r.rec.no_trade_reason);

/** Symbols the cycle traded or ranked among its top triggers, that are in `bad`. */
const usedBad = (rec: CycleRecord, bad: readonly string[], entriesOnly = false) =>
  [...rec.orders.filter((o) => !entriesOnly || o.intent === 'entry').map((o) => o.symbol), ...(rec.triggers?.top_3.map((t) => t.symbol) ?? [])].filter((s) => bad.includes(s));

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

  // Known gap, issue 9 left open: the universe stage keeps the first listing of a duplicated symbol and the executor may price from the other.
  it.skip('a symbol listed twice with conflicting books then no order is priced from the wrong one', async () => {
    const { runs } = await runFaulty({ productFaults: ['conflicting_duplicate'], productRate: 0.2, candleFaults: [], candleRate: 0, throwRate: 0 }, 400);
    expect(noExceptions(runs)).toEqual([]);
    expect(badFills(runs)).toEqual([]);
  });

  it('candles with NaN, zero, negative, out-of-order, duplicate, missing or stale bars, or a gap, then no trigger or entry from a broken series', async () => {
    const broken = CANDLE_FAULTS.filter((f) => f !== 'spike' && f !== 'gap');
    const { runs, report } = await runFaulty({ productFaults: [], productRate: 0, candleFaults: [...broken, 'gap'], candleRate: 0.3, throwRate: 0 }, 400);

    expect(noExceptions(runs)).toEqual([]);
    expect(runs.filter((r) => r.rec.status === 'EXECUTED').length).toBeGreaterThan(0);
    let hits = 0;
    for (const { rec, faults } of runs) {
      // A gap leaves a well-formed series (times still increase): only the broken ones are skipped.
      const bad = [...faults.candles].filter(([, f]) => f !== 'gap').map(([s]) => s);
      hits += bad.length;
      expect({ cycle: rec.cycle, used: usedBad(rec, bad, true) }).toEqual({ cycle: rec.cycle, used: [] });
    }
    expect(hits).toBeGreaterThan(100);
    expect(badFills(runs)).toEqual([]);
    expect(report.reconcile).toEqual([]);
    expect(report.fillsWithoutRecord).toEqual([]);
  });

  // Known gap, issue 9 left open: the trigger stage has no spike filter yet (candles vs ticker).
  it.skip('a last candle 100x the ticker (an absurd spike) then the series is skipped: no trigger and no entry from it', async () => {
    const { runs } = await runFaulty({ productFaults: [], productRate: 0, candleFaults: ['spike'], candleRate: 0.2, throwRate: 0 }, 400);
    expect(noExceptions(runs)).toEqual([]);
    const used = runs.flatMap(({ rec, faults }) => usedBad(rec, [...faults.candles.keys()]).map((s) => `cycle ${rec.cycle}: ${s}`));
    expect([...new Set(used)].slice(0, 5)).toEqual([]);
  });

  // Known gap, issue 9 left open: no reference-price sanity check yet before sizing.
  it.skip('a book 100x above or below the market (a consistent but absurd spike) then no order is sized or filled from it', async () => {
    const { runs } = await runFaulty({ productFaults: SPIKE_FAULTS, productRate: 0.1, candleFaults: [], candleRate: 0, throwRate: 0 }, 400);
    expect(runs.filter((r) => r.faults.products.size > 0).length).toBeGreaterThan(300);
    expect(badFills(runs)).toEqual([]);
    for (const { rec, faults } of runs) expect({ cycle: rec.cycle, ordered: usedBad(rec, [...faults.products.keys()]) }).toEqual({ cycle: rec.cycle, ordered: [] });
  });

  // Known gap, issue 9 left open: cycle records do not list universe exclusions or skipped series yet.
  it.skip('a product excluded for a bad price or skipped for broken candles then the cycle record says so', async () => {
    const { runs, universe } = await runFaulty({ productFaults: ['nan', 'negative'], productRate: 0.2, candleFaults: ['nan', 'out_of_order'], candleRate: 0.2, throwRate: 0 }, 30);
    // The reason may sit in any field, but it must be in the record: an operator reads the audit log, not the stages.
    for (const { rec, faults } of runs) {
      const text = JSON.stringify(rec);
      for (const [symbol] of faults.products) if (universe.has(symbol)) expect(text, `cycle ${rec.cycle}: ${symbol} bad_price`).toMatch(new RegExp(`${symbol}[^}]*bad_price|bad_price[^}]*${symbol}`));
      for (const [symbol] of faults.candles) if (universe.has(symbol)) expect(text, `cycle ${rec.cycle}: ${symbol} bad_candle`).toMatch(new RegExp(`${symbol}[^}]*bad_candle|bad_candle[^}]*${symbol}`));
    }
  });
});
