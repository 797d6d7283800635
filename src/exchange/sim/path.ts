/**
 * One symbol's simulated price and volume, advanced one minute at a time. The minute step is the
 * whole model: log return = beta * market factor + own noise (stochastic volatility) + breakout
 * jumps - a slow pull back to the reference price; volume follows time of day, a slowly wandering
 * activity level, the size of the move and occasional spikes.
 */
import type { Product } from '../types.ts';
import { BarRing } from './bars.ts';
import { hashSeed, Rng } from './rng.ts';
import type { SymbolSpec } from './universe.ts';

const MIN_PER_DAY = 1440;
const SQRT_MIN_PER_DAY = Math.sqrt(MIN_PER_DAY);

// The slow processes below move every SLOW_STEP minutes rather than every minute: they have
// hours of memory, so nothing visible changes, and it halves the cost of a minute step (two
// normals and two exp() fewer), which is most of the 15-day warm-up for 300 symbols.
const SLOW_STEP = 5;

// Stochastic volatility: log-multiplier AR(1), ~6 h memory, stationary sd 0.25. It fattens the
// tails of 15m and 1h moves the way real intraday returns are fat-tailed.
const SV_PHI = Math.exp(-SLOW_STEP / 360);
const SV_SD = 0.25;
const SV_SHOCK = SV_SD * Math.sqrt(1 - SV_PHI * SV_PHI);
const SV_MEAN_FIX = -0.5 * SV_SD * SV_SD; // keeps E[exp(sv)] = 1

// Activity: log-multiplier on volume, AR(1) with ~2 h memory, stationary sd 0.18. Sized so that a
// quiet symbol's 1h/24h volume ratio only rarely reaches 1.8 without a spike.
const ACT_PHI = Math.exp(-SLOW_STEP / 120);
const ACT_SD = 0.18;
const ACT_SHOCK = ACT_SD * Math.sqrt(1 - ACT_PHI * ACT_PHI);
const ACT_MEAN_FIX = -0.5 * ACT_SD * ACT_SD;

// Volume grows with the size of the minute's move: (a + b|z|), normalised to mean 1 (E|z| = 0.798).
const MOVE_VOL_A = 0.55;
const MOVE_VOL_B = 0.5;
const MOVE_VOL_NORM = 1 / (MOVE_VOL_A + MOVE_VOL_B * 0.7979);

// Pull back toward the reference price: 45-day half-life for coins (keeps months-long runs in a
// realistic range), 1 h for stablecoins (they hug the peg).
const KAPPA_COIN = Math.LN2 / (45 * MIN_PER_DAY);
const KAPPA_STABLE = Math.LN2 / 60;

// The chop range's centre follows the price with a 12 h lag.
const ANCHOR_ALPHA = 1 - Math.exp(-1 / 720);

/** The market-wide inputs for one minute, shared by every symbol. */
export interface MinuteInputs {
  /** Market-factor log return this minute (drift + shock), for a beta-1 asset. */
  market: number;
  volMult: number;
  volumeMult: number;
  /** Time-of-day volume factor. */
  season: number;
  /** Pull toward the symbol's own recent average, per minute. */
  revert: number;
  /** Chance a breakout starting now goes up. */
  upProb: number;
}

/** A symbol's live state, its closed-bar history and its rolling 24h USD volume. */
export class SymbolPath {
  readonly bars: BarRing;
  private readonly rng: Rng;
  private readonly tickScale: number; // 1 / priceIncrement, an integer, for exact decimal rounding
  private readonly idioPerMin: number;
  private readonly kappa: number;
  private readonly logRef: number;
  private readonly usdPerMin: number;
  private readonly pBreakout: number;
  private readonly pSpike: number;

  private logP: number;
  private price: number; // exp(logP), kept to save an exp() per step
  /** Recent average of logP (12 h EMA): the level chop markets range around. */
  private anchor: number;
  private sv = 0;
  private act = 0;
  private volFactor = Math.exp(SV_MEAN_FIX); // exp(sv + fix), refreshed with sv
  private activity = Math.exp(ACT_MEAN_FIX); // exp(act + fix), refreshed with act
  private jumpLeft = 0;
  private jumpPerMin = 0;
  private spikeLeft = 0;
  private spikeLen = 1;
  private spikePeak = 1;

  // the 15m bar being built
  private barOpen: number;
  private barHigh = 0;
  private barLow = 0;
  private barVol = 0;
  private barUsd = 0;
  /** USD volume of the last 96 closed bars (24 h), as a ring, and its sum. */
  private readonly usdRing = new Float64Array(96);
  private usdSum = 0;

  constructor(
    readonly spec: SymbolSpec,
    seed: number,
    origin: number,
    capBars: number,
  ) {
    this.rng = new Rng(hashSeed(seed, 'sim-symbol', spec.symbol));
    this.bars = new BarRing(capBars, origin);
    this.tickScale = Math.round(1 / spec.priceIncrement);
    this.idioPerMin = spec.idioVolDaily / SQRT_MIN_PER_DAY;
    this.kappa = spec.stable ? KAPPA_STABLE : KAPPA_COIN;
    this.logRef = Math.log(spec.refPrice);
    this.logP = this.logRef;
    this.anchor = this.logRef;
    this.price = spec.refPrice;
    this.usdPerMin = spec.volume24hUsd / MIN_PER_DAY;
    this.pBreakout = spec.breakoutsPerDay / MIN_PER_DAY;
    this.pSpike = spec.spikesPerDay / MIN_PER_DAY;
    this.barOpen = this.round(spec.refPrice);
  }

  /** Advances one minute; `minute` counts from the origin, and every 15th closes a bar. */
  step(minute: number, x: MinuteInputs): void {
    const rng = this.rng;
    const spec = this.spec;
    if (minute % SLOW_STEP === 0) {
      this.sv = SV_PHI * this.sv + SV_SHOCK * rng.normal();
      this.act = ACT_PHI * this.act + ACT_SHOCK * rng.normal();
      this.volFactor = Math.exp(this.sv + SV_MEAN_FIX);
      this.activity = Math.exp(this.act + ACT_MEAN_FIX);
    }
    const z = rng.normal();
    const u = rng.next(); // event draw
    const wick = rng.next();

    let spike = 1;
    if (this.spikeLeft > 0) {
      // Full strength for the first half, then fading linearly.
      spike = 1 + (this.spikePeak - 1) * Math.min(1, (2 * this.spikeLeft) / this.spikeLen);
      this.spikeLeft--;
    }
    const sigma = this.idioPerMin * x.volMult * this.volFactor * (spike > 1 ? 1.3 : 1);
    let r = spec.beta * x.market + sigma * z - this.kappa * (this.logP - this.logRef) - x.revert * (this.logP - this.anchor);

    if (this.jumpLeft > 0) {
      r += this.jumpPerMin;
      this.jumpLeft--;
    } else if (u < this.pBreakout) {
      // A breakout: 2-6% (times the symbol's jump scale) over 3-12 minutes, volume x3-6 fading over 45-135 min.
      const minutes = 3 + Math.floor(rng.next() * 10);
      const size = (0.02 + 0.04 * rng.next()) * spec.jumpScale;
      const dir = rng.next() < x.upProb ? 1 : -1;
      this.jumpPerMin = (dir * size) / minutes;
      this.jumpLeft = minutes - 1;
      r += this.jumpPerMin;
      this.startSpike(3 + 3 * rng.next(), 45 + Math.floor(rng.next() * 90));
    } else if (u < this.pBreakout + this.pSpike && this.spikeLeft === 0) {
      // Volume alone: x3-8 for 40-120 minutes (news, a listing rumour, a whale).
      this.startSpike(3 + 5 * rng.next(), 40 + Math.floor(rng.next() * 80));
    }

    const prev = this.price;
    this.logP += r;
    this.anchor += ANCHOR_ALPHA * (this.logP - this.anchor);
    const price = (this.price = Math.exp(this.logP));
    // Intra-minute wicks: up to 0.6 sigma beyond the open/close on each side.
    const w = 0.6 * (sigma + spec.beta * Math.abs(x.market));
    const hi = Math.max(prev, price) * (1 + w * wick);
    const lo = Math.min(prev, price) * (1 - w * (1 - wick));

    const usd =
      this.usdPerMin * x.season * x.volumeMult * this.activity * (MOVE_VOL_A + MOVE_VOL_B * Math.min(Math.abs(z), 4)) * MOVE_VOL_NORM * spike;

    const first = minute % 15 === 0;
    if (first || hi > this.barHigh) this.barHigh = hi;
    if (first || lo < this.barLow) this.barLow = lo;
    this.barVol = (first ? 0 : this.barVol) + usd / price;
    this.barUsd = (first ? 0 : this.barUsd) + usd;
    if (minute % 15 === 14) this.closeBar(price);
  }

  /** The product as listed now, spread widened by the market-wide `spreadMult`. */
  product(spreadMult: number): Product {
    const spec = this.spec;
    const mid = this.price;
    const bps = spec.spreadBps * spreadMult * Math.exp(0.5 * this.sv);
    const ticks = Math.max(1, Math.round((mid * bps) / 1e4 / spec.priceIncrement));
    const bidTicks = Math.max(1, Math.round(mid * this.tickScale - ticks / 2));
    const bid = bidTicks / this.tickScale;
    const ask = (bidTicks + ticks) / this.tickScale;
    const price = Math.min(ask, Math.max(bid, this.round(mid)));
    return Object.freeze({
      symbol: spec.symbol,
      base: spec.base,
      quote: 'USD',
      price,
      bid,
      ask,
      volume24hUsd: Math.round(this.usdSum + this.barUsd),
      status: spec.status,
      baseIncrement: spec.baseIncrement,
      priceIncrement: spec.priceIncrement,
      minBaseQty: spec.minBaseQty,
      minNotionalUsd: spec.minNotionalUsd,
    });
  }

  private startSpike(peak: number, minutes: number): void {
    this.spikePeak = peak;
    this.spikeLen = minutes;
    this.spikeLeft = minutes;
  }

  private closeBar(close: number): void {
    const open = this.barOpen;
    const c = this.round(close);
    const high = Math.max(this.round(this.barHigh), open, c);
    const low = Math.min(this.round(this.barLow), open, c);
    this.bars.push(open, high, low, c, this.barVol);
    const slot = (this.bars.count - 1) % 96;
    this.usdSum += this.barUsd - this.usdRing[slot]!;
    this.usdRing[slot] = this.barUsd;
    if (slot === 95) {
      // Re-summed once a day so rounding error cannot pile up over a months-long run.
      let sum = 0;
      for (let i = 0; i < 96; i++) sum += this.usdRing[i]!;
      this.usdSum = sum;
    }
    this.barUsd = 0;
    this.barOpen = c;
  }

  /** To the price tick, exactly (n / 10^k is the double nearest the decimal), never below one tick. */
  private round(p: number): number {
    return Math.max(1, Math.round(p * this.tickScale)) / this.tickScale;
  }
}
