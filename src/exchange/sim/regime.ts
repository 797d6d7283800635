/** The simulated market's mood: a Markov chain on hourly steps that every symbol's path follows. */
import { hashSeed, Rng } from './rng.ts';

/** The hidden regime the sim is in (the trigger stage has to infer its own from prices). */
export type SimRegime = 'bull' | 'chop' | 'bear' | 'crash';

/** How a regime moves prices, volume and spreads, and where it goes next. */
export interface RegimeParams {
  /** Market-factor drift, log return per day (a beta-1 asset). */
  driftPerDay: number;
  /** Multiplies every symbol's volatility. */
  volMult: number;
  /** Multiplies every symbol's traded volume. */
  volumeMult: number;
  /** Multiplies every symbol's spread. */
  spreadMult: number;
  /**
   * Pull of each price toward its own recent average, per minute (0: none). Only chop has one: it
   * keeps sideways markets inside their range instead of wandering to a new 24h high or low every
   * few hours the way a pure random walk does.
   */
  revertPerMin: number;
  /** Chance a breakout goes up rather than down. */
  upProb: number;
  /** Mean stay in hours (geometric: leave with probability 1/meanHours each hour). */
  meanHours: number;
  /** Where it goes when it leaves (weights sum to 1). */
  next: Readonly<Partial<Record<SimRegime, number>>>;
}

// Durations and exits chosen so that chop is the commonest state (~57% of hours), bull (~26%) and
// bear (~16%) trends last a day or so and move a beta-1 asset about +/-3% a day (past
// signals.yaml's +/-3% median 24h move once they have run a day; the universe's median beta is
// ~1.35), and a crash (-2%/h for ~3 h, volatility, volume and spreads x2.5) comes about once every
// 13 days, usually followed by a rebound. The time-weighted drift nets to about -0.1%/day, so
// prices do not sink over a months-long run (the slow pull to each symbol's reference price
// absorbs the rest). See the report for the measured stationary shares.
export const REGIMES: Readonly<Record<SimRegime, RegimeParams>> = {
  chop: {
    driftPerDay: 0,
    volMult: 0.8,
    volumeMult: 0.85,
    spreadMult: 1,
    revertPerMin: Math.LN2 / (2 * 60), // 2 h half-life
    upProb: 0.5,
    meanHours: 48,
    next: { bull: 0.5, bear: 0.42, crash: 0.08 },
  },
  bull: {
    driftPerDay: 0.03,
    volMult: 1.0,
    volumeMult: 1.15,
    spreadMult: 0.9,
    revertPerMin: 0,
    upProb: 0.7,
    meanHours: 30,
    next: { chop: 0.75, bear: 0.15, crash: 0.1 },
  },
  bear: {
    driftPerDay: -0.03,
    volMult: 1.2,
    volumeMult: 1.2,
    spreadMult: 1.2,
    revertPerMin: 0,
    upProb: 0.35,
    meanHours: 24,
    next: { chop: 0.6, bull: 0.2, crash: 0.2 },
  },
  crash: {
    driftPerDay: -0.48, // -2% an hour
    volMult: 2.5,
    volumeMult: 2.5,
    spreadMult: 2.5,
    revertPerMin: 0,
    upProb: 0.15,
    meanHours: 3,
    next: { bull: 0.5, chop: 0.4, bear: 0.1 },
  },
};

/** Regimes by code; codes index the chain's storage. */
export const REGIME_NAMES: readonly SimRegime[] = ['chop', 'bull', 'bear', 'crash'];

/**
 * The chain, generated lazily hour by hour from its own seeded stream, so any hour's regime is the
 * same however (and in what order) it is asked for. Hours before `firstHour()` have been dropped
 * to bound memory.
 */
export class RegimeChain {
  private readonly rng: Rng;
  private codes: number[] = [0]; // hour `base` starts in chop
  private base = 0;

  constructor(seed: number) {
    this.rng = new Rng(hashSeed(seed, 'sim-regime'));
  }

  /** Regime code (index into REGIME_NAMES) at hour `h` counted from the market's origin. */
  codeAt(h: number): number {
    if (h < this.base) throw new RangeError(`sim: regime for hour ${h} was dropped (oldest kept: ${this.base})`);
    while (this.base + this.codes.length <= h) this.codes.push(this.step(this.codes[this.codes.length - 1]!));
    return this.codes[h - this.base]!;
  }

  /** Oldest hour still answerable. */
  firstHour(): number {
    return this.base;
  }

  /** Forgets hours before `h` (they can no longer be asked for). */
  dropBefore(h: number): void {
    const n = Math.min(h - this.base, this.codes.length - 1);
    if (n <= 0) return;
    this.codes = this.codes.slice(n);
    this.base += n;
  }

  private step(code: number): number {
    const p = REGIMES[REGIME_NAMES[code]!];
    // Two draws every hour whether or not it leaves, so the stream stays aligned with the hour.
    const leave = this.rng.next() < 1 / p.meanHours;
    const pick = this.rng.next();
    if (!leave) return code;
    let acc = 0;
    for (const [name, w] of Object.entries(p.next) as [SimRegime, number][]) {
      acc += w;
      if (pick < acc) return REGIME_NAMES.indexOf(name);
    }
    return code;
  }
}
