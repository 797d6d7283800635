/**
 * MAX_DRAWDOWN's latch and re-arm: the peak is the highest start-of-day equity of the last
 * risk.max_drawdown_window_days UTC days (and equity now); 0 days = the all-time high-water mark.
 * A real book (StateStore) and the real check; every figure by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeContext } from '../../src/core/risk/context.ts';
import { maxDrawdown } from '../../src/core/risk/global.ts';
import { renderDenial } from '../../src/core/denials.ts';
import type { Strategies } from '../../src/config/schema/strategies.ts';
import { StateStore } from '../../src/state/store.ts';
import { testPolicy } from '../helpers/policy.ts';

const DAY = 86_400_000;
const D1 = Date.UTC(2025, 0, 6); // Monday 00:00 UTC
const MIN = 60_000;

let root: string;
let store: StateStore;
afterEach(() => {
  store?.close();
  rmSync(root, { recursive: true, force: true });
});

// The drawdown check reads no strategy budget.
const NO_BUDGETS = {} as Strategies;

/** The MAX_DRAWDOWN verdict at `now` with BTC marked at `mark`, rendered, or undefined. */
function verdict(windowDays: number, now: number, mark: number): string | undefined {
  const policy = testPolicy({ risk: { max_drawdown_pct: 10, max_drawdown_window_days: windowDays } });
  const portfolio = store.view(now, { 'BTC-USD': mark }, { drawdownWindowDays: windowDays });
  const d = maxDrawdown(makeContext({ policy, portfolio, snapshot: { now, products: [], candles: {} }, killSwitch: false, tradingState: 'ACTIVE', strategies: NO_BUDGETS }));
  return d && renderDenial(d);
}

/** 10,000 cash; 20 BTC bought at 100 (no fee) before day 1; day 1 00:30 equity 10,000 (the day's baseline). */
function book(): void {
  root = mkdtempSync(join(tmpdir(), 'drawdown-'));
  store = StateStore.open({ dir: root, mode: 'BACKTEST', startingCashUsd: 10_000 });
  const fill = { symbol: 'BTC-USD', quantity: 20, feeUsd: 0, intent: 'entry' as const, tier: 'tier_1' as const, perSymbolCooldownMin: 0, afterLossCooldownMin: 0 };
  store.applyFill({ ...fill, clientOrderId: 'b', side: 'buy', price: 100, ts: D1 - DAY });
  store.view(D1 + 30 * MIN, { 'BTC-USD': 100 });
  // Day 1 noon: BTC at 45: equity 8,000 + 20 × 45 = 8,900, 11 % below 10,000. Sold there: flat at 8,900.
  store.view(D1 + 12 * 60 * MIN, { 'BTC-USD': 45 });
  store.applyFill({ ...fill, clientOrderId: 's', side: 'sell', intent: 'exit', price: 45, ts: D1 + 12 * 60 * MIN });
}

describe('MAX_DRAWDOWN latch and re-arm', () => {
  it('an 11 % fall then latched; flat at 8,900 for three days with a 3-day window then re-armed; with 0 days still latched', () => {
    book();
    // (10,000 − 8,900) / 10,000 = 11 % >= 10 %
    expect(verdict(3, D1 + 12 * 60 * MIN + MIN, 45)).toBe('MAX_DRAWDOWN: drawdown_pct=11.00, max_pct=10.00, hwm_usd=10000.00, equity_usd=8900.00');
    // Days 2 and 3 start at 8,900; day 1's 10,000 is still within 3 days of day 3 noon (its start 00:00 > day 0 noon).
    expect(verdict(3, D1 + DAY + 30 * MIN, 45)).toMatch(/^MAX_DRAWDOWN: drawdown_pct=11.00/);
    expect(verdict(3, D1 + 2 * DAY + 12 * 60 * MIN, 45)).toMatch(/^MAX_DRAWDOWN: drawdown_pct=11.00/);
    // Day 4 00:30: the window starts after day 1 00:30, so day 1's 10,000 has left it: peak max(8,900 × 3, 8,900) = 8,900, drawdown 0.
    expect(verdict(3, D1 + 3 * DAY + 30 * MIN, 45)).toBeUndefined();
    // The all-time high-water mark (0 days) never re-arms a flat book.
    expect(verdict(0, D1 + 3 * DAY + 31 * MIN, 45)).toBe('MAX_DRAWDOWN: drawdown_pct=11.00, max_pct=10.00, hwm_usd=10000.00, equity_usd=8900.00');
  });
});
