/**
 * The candle history a cycle reads per symbol (runner/marketReads.ts): a day of 15m bars and a week
 * of 1h bars. Every lookback in signals.yaml must fit in it, so the schema refuses one that does not:
 * a lookback of N hours reads N + 1 bars, and with more than the history holds every symbol would be
 * skipped as insufficient_data (or the regime would have no voters) every cycle, silently.
 */
export const M15_BARS_READ = 96;
export const H1_BARS_READ = 168;
/** The longest lookback, in 1h bars, the history holds (one bar more is read than the lookback spans). */
export const MAX_LOOKBACK_HOURS = H1_BARS_READ - 1;
