import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { policySchema, type Policy } from '../../src/config/schema/policy.ts';
import type { Strategies } from '../../src/config/schema/strategies.ts';
import { assessRisk, checkOrders, type RiskInput } from '../../src/core/risk.ts';
import type { MarketSnapshot, PlannedOrder, PortfolioView, Position, Proposal } from '../../src/core/types.ts';
import type { Product } from '../../src/exchange/types.ts';
import { testProduct } from '../helpers/product.ts';

// ---- fixtures: the shipped policy (equity 10,000: total 15% = 1,500, asset 5% = 500, cluster 10% = 1,000) ----

const SHIPPED = policySchema.parse(load(readFileSync(new URL('../../config/policy.yaml', import.meta.url), 'utf8')));
type PolicyPatch = { [K in keyof Policy]?: Partial<Policy[K]> };
const policy = (patch: PolicyPatch = {}): Policy => {
  const p = structuredClone(SHIPPED) as Policy;
  for (const [k, v] of Object.entries(patch)) Object.assign(p[k as keyof Policy], v);
  return p;
};

const NOW = Date.UTC(2025, 10, 12, 20, 0, 0); // Wednesday 20:00 UTC
const MIN = 60_000;
const HOUR = 60 * MIN;

const product = testProduct;

const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'XRP-USD', 'ADA-USD', 'AVAX-USD', 'DOGE-USD', 'LINK-USD', 'DOT-USD', 'LTC-USD', 'UNI-USD'];
const snapshot = (products: Product[] = SYMBOLS.map((s) => product(s))): MarketSnapshot => ({ now: NOW, products, candles: {} });

const position = (symbol: string, valueUsd: number, cluster?: string): Position => ({
  symbol,
  quantity: valueUsd / 100,
  avgEntryPrice: 100,
  entryTime: NOW - 10 * HOUR,
  tier: 'tier_1',
  ...(cluster !== undefined ? { cluster } : {}),
  stopLossPrice: 96,
  takeProfitPrice: 108,
  maxHoldUntil: NOW + 10 * HOUR,
});

const portfolio = (over: Partial<PortfolioView> = {}, held: Position[] = []): PortfolioView => ({
  now: NOW,
  cashUsd: 10_000,
  positions: held,
  marksUsd: Object.fromEntries(held.map((p) => [p.symbol, p.quantity * p.avgEntryPrice])),
  equityUsd: 10_000,
  highWaterMarkUsd: 10_000,
  dailyPnlUsd: 0,
  weeklyPnlUsd: 0,
  consecutiveLosses: 0,
  recentTrades: [],
  cooldowns: {},
  ...over,
});

const entry = (symbol: string, notionalUsd: number, over: Partial<Proposal> = {}): Proposal => ({
  symbol,
  side: 'buy',
  intent: 'entry',
  tier: 'tier_1',
  notionalUsd,
  conviction: 0.8,
  reason: 'breakout',
  strategy: 'rules',
  ...over,
});

const exit = (symbol: string, notionalUsd: number): Proposal => ({
  symbol,
  side: 'sell',
  intent: 'exit',
  tier: 'tier_1',
  notionalUsd,
  quantity: notionalUsd / 100,
  conviction: 1,
  reason: 'stop_loss',
  strategy: 'exit',
});

const rules = (over: Partial<Strategies['rules']> = {}): Strategies => ({
  rules: {
    enabled: true,
    risk_budget_pct: 12,
    max_positions: 6,
    min_conviction: 0.35,
    trigger_weights: { price_move: 0.8, volume_spike: 0.6, breakout: 1, momentum: 0.7 },
    ...over,
  },
});

// A strategy budget that never binds, so the other checks are seen alone.
const UNBOUNDED = rules({ risk_budget_pct: 100, max_positions: 1000 });

const run = (over: Partial<RiskInput>) =>
  assessRisk({ policy: policy(), strategies: UNBOUNDED, proposals: [], portfolio: portfolio(), snapshot: snapshot(), killSwitch: false, tradingState: 'ACTIVE', ...over });

const trade = (symbol: string, agoMs: number) => ({ symbol, side: 'buy' as const, ts: NOW - agoMs });

// ---- global checks ---------------------------------------------------------------------

describe('assessRisk global checks', () => {
  it('entry when kill switch active then denied, state HALTED, exit still passes', () => {
    const r = run({ killSwitch: true, proposals: [entry('BTC-USD', 200), exit('ETH-USD', 300)] });
    expect(r.trading).toBe('HALTED');
    expect(r.violations).toEqual(['KILL_SWITCH: state=HALTED']);
    expect(r.rejections).toEqual({ 'BTC-USD': ['KILL_SWITCH: state=HALTED'] });
    expect(r.approved.map((p) => p.symbol)).toEqual(['ETH-USD']);
  });

  it('exit when kill switch active and exits_when_halted false then denied', () => {
    const r = run({
      killSwitch: true,
      policy: policy({ governance: { exits_when_halted: false } }),
      proposals: [exit('ETH-USD', 300)],
    });
    expect(r.approved).toEqual([]);
    expect(r.rejections).toEqual({ 'ETH-USD': ['KILL_SWITCH: state=HALTED'] });
  });

  it('LIVE reconcile hold latched then entries denied RECONCILE_DIFFERENCE, REDUCING, exits pass even with exits_when_halted false', () => {
    const r = run({
      reconcileHold: { since: '2025-11-12T19:50:00.000Z' },
      policy: policy({ governance: { exits_when_halted: false } }),
      proposals: [entry('BTC-USD', 200), exit('ETH-USD', 300)],
    });
    const text = 'RECONCILE_DIFFERENCE: since=2025-11-12T19:50:00.000Z';
    expect(r.trading).toBe('REDUCING');
    expect(r.violations).toEqual([text]);
    expect(r.rejections).toEqual({ 'BTC-USD': [text] });
    expect(r.approved.map((p) => p.symbol)).toEqual(['ETH-USD']);
  });

  it('state HALTED without kill switch input then stays HALTED until the loop resumes', () => {
    const r = run({ tradingState: 'HALTED', proposals: [entry('BTC-USD', 200)] });
    expect(r.trading).toBe('HALTED');
    expect(r.violations).toEqual(['TRADING_HALTED: state=HALTED']);
  });

  it('entry when daily loss reaches 3% of equity then denied and REDUCING, exits pass even with exits_when_halted false', () => {
    const r = run({
      portfolio: portfolio({ dailyPnlUsd: -300 }),
      policy: policy({ governance: { exits_when_halted: false } }),
      proposals: [entry('BTC-USD', 200), exit('ETH-USD', 300)],
    });
    const text = 'DAILY_STOP: daily_pnl_usd=-300.00, limit_usd=-300.00, limit_pct=3.00, equity_usd=10000.00';
    expect(r.trading).toBe('REDUCING');
    expect(r.violations).toEqual([text]);
    expect(r.rejections).toEqual({ 'BTC-USD': [text] });
    expect(r.approved.map((p) => p.symbol)).toEqual(['ETH-USD']);
  });

  it('entry when daily loss just under 3% then approved and ACTIVE', () => {
    const r = run({ portfolio: portfolio({ dailyPnlUsd: -299.99 }), proposals: [entry('BTC-USD', 200)] });
    expect(r.trading).toBe('ACTIVE');
    expect(r.violations).toEqual([]);
    expect(r.approved).toHaveLength(1);
  });

  it('entry when weekly loss reaches 7% then denied; at 6.99% approved', () => {
    const hit = run({ portfolio: portfolio({ weeklyPnlUsd: -700 }), proposals: [entry('BTC-USD', 200)] });
    expect(hit.violations).toEqual(['WEEKLY_STOP: weekly_pnl_usd=-700.00, limit_usd=-700.00, limit_pct=7.00, equity_usd=10000.00']);
    expect(hit.trading).toBe('REDUCING');
    const ok = run({ portfolio: portfolio({ weeklyPnlUsd: -699 }), proposals: [entry('BTC-USD', 200)] });
    expect(ok.approved).toHaveLength(1);
  });

  it('entry when equity 10,000 is 10.71% below a 11,200 high-water mark then denied; 9.91% below 11,100 approved', () => {
    const hit = run({ portfolio: portfolio({ highWaterMarkUsd: 11_200 }), proposals: [entry('BTC-USD', 200)] });
    expect(hit.violations).toEqual(['MAX_DRAWDOWN: drawdown_pct=10.71, max_pct=10.00, hwm_usd=11200.00, equity_usd=10000.00']);
    expect(hit.trading).toBe('REDUCING');
    const ok = run({ portfolio: portfolio({ highWaterMarkUsd: 11_100 }), proposals: [entry('BTC-USD', 200)] });
    expect(ok.approved).toHaveLength(1);
    expect(ok.trading).toBe('ACTIVE');
  });

  it('REDUCING yesterday and no stop hit now then back to ACTIVE', () => {
    expect(run({ tradingState: 'REDUCING' }).trading).toBe('ACTIVE');
  });

  it('kill switch and daily stop together then both listed, entries carry the kill switch, HALTED', () => {
    const r = run({ killSwitch: true, portfolio: portfolio({ dailyPnlUsd: -500 }), proposals: [entry('BTC-USD', 200)] });
    expect(r.violations.map((v) => v.split(':')[0])).toEqual(['KILL_SWITCH', 'DAILY_STOP']);
    expect(r.rejections['BTC-USD']).toEqual(['KILL_SWITCH: state=HALTED']);
    expect(r.trading).toBe('HALTED');
  });
});

// ---- per-entry checks -----------------------------------------------------------------------

describe('assessRisk trade frequency', () => {
  const fiveThisHour = ['ETH-USD', 'SOL-USD', 'XRP-USD', 'ADA-USD', 'AVAX-USD'].map((s, i) => trade(s, (10 + i * 10) * MIN));

  it('5 trades this hour and max 6 then the first entry passes and the second is denied', () => {
    const r = run({ portfolio: portfolio({ recentTrades: fiveThisHour }), proposals: [entry('BTC-USD', 100), entry('DOGE-USD', 100)] });
    expect(r.approved.map((p) => p.symbol)).toEqual(['BTC-USD']);
    expect(r.rejections).toEqual({ 'DOGE-USD': ['TRADES_PER_HOUR: trades_last_hour=6, max=6'] });
  });

  it('a trade exactly one hour ago then no longer counts toward the hour', () => {
    const trades = [trade('LINK-USD', HOUR), ...fiveThisHour];
    const r = run({ portfolio: portfolio({ recentTrades: trades }), proposals: [entry('BTC-USD', 100)] });
    expect(r.approved).toHaveLength(1);
  });

  it('24 trades since 00:00 UTC then denied; 23 today plus one yesterday then approved', () => {
    const today = (n: number) => Array.from({ length: n }, (_, i) => trade('ETH-USD', 2 * HOUR + i * 30 * MIN)); // 18:00 back to 06:30
    const hit = run({ portfolio: portfolio({ recentTrades: today(24).slice().reverse() }), proposals: [entry('BTC-USD', 100)] });
    // 24 trades at 30-min spacing from 18:00 back reaches 06:30; all today.
    expect(hit.rejections['BTC-USD']).toEqual(['TRADES_PER_DAY: trades_today=24, max=24']);
    const yesterday = trade('ETH-USD', 20 * HOUR + 1); // 23:59:59.999 yesterday
    const ok = run({ portfolio: portfolio({ recentTrades: [yesterday, ...today(23).reverse()] }), proposals: [entry('BTC-USD', 100)] });
    expect(ok.approved).toHaveLength(1);
  });

  it('last trade 119 s ago and spacing 120 s then denied; 120 s ago then approved', () => {
    const hit = run({ portfolio: portfolio({ recentTrades: [trade('ETH-USD', 119_000)] }), proposals: [entry('BTC-USD', 100)] });
    expect(hit.rejections['BTC-USD']).toEqual(['TRADE_SPACING: seconds_since_last=119, min_seconds=120']);
    const ok = run({ portfolio: portfolio({ recentTrades: [trade('ETH-USD', 120_000)] }), proposals: [entry('BTC-USD', 100)] });
    expect(ok.approved).toHaveLength(1);
  });

  it('two entries in one cycle then not spaced against each other', () => {
    const r = run({ proposals: [entry('BTC-USD', 100), entry('ETH-USD', 100)] });
    expect(r.approved).toHaveLength(2);
  });
});

describe('assessRisk cooldowns', () => {
  it('symbol in per-symbol cooldown for 30 more minutes then denied, other symbol approved', () => {
    const r = run({
      portfolio: portfolio({ cooldowns: { 'BTC-USD': { until: NOW + 30 * MIN, reason: 'per_symbol' } } }),
      proposals: [entry('BTC-USD', 100), entry('ETH-USD', 100)],
    });
    expect(r.rejections).toEqual({ 'BTC-USD': ['SYMBOL_COOLDOWN: symbol=BTC-USD, minutes_left=30'] });
    expect(r.approved.map((p) => p.symbol)).toEqual(['ETH-USD']);
  });

  it('symbol traded 59 minutes ago with a 60-minute cooldown then denied; 60 minutes ago then approved', () => {
    const hit = run({ portfolio: portfolio({ recentTrades: [trade('BTC-USD', 59 * MIN)] }), proposals: [entry('BTC-USD', 100)] });
    expect(hit.rejections['BTC-USD']).toEqual(['SYMBOL_COOLDOWN: symbol=BTC-USD, minutes_left=1']);
    const ok = run({ portfolio: portfolio({ recentTrades: [trade('BTC-USD', 60 * MIN)] }), proposals: [entry('BTC-USD', 100)] });
    expect(ok.approved).toHaveLength(1);
  });

  it('same symbol twice in one cycle then the second is denied', () => {
    const r = run({ proposals: [entry('BTC-USD', 100), entry('BTC-USD', 100)] });
    expect(r.approved).toHaveLength(1);
    expect(r.rejections['BTC-USD']).toEqual(['SYMBOL_COOLDOWN: symbol=BTC-USD, minutes_left=60, source=this_cycle']);
  });

  it('symbol in after-loss cooldown then denied; expired cooldown then approved', () => {
    const hit = run({
      portfolio: portfolio({ cooldowns: { 'BTC-USD': { until: NOW + 200 * MIN, reason: 'after_loss' } } }),
      proposals: [entry('BTC-USD', 100)],
    });
    expect(hit.rejections['BTC-USD']).toEqual(['LOSS_COOLDOWN: symbol=BTC-USD, minutes_left=200']);
    const ok = run({
      portfolio: portfolio({ cooldowns: { 'BTC-USD': { until: NOW, reason: 'after_loss' } } }),
      proposals: [entry('BTC-USD', 100)],
    });
    expect(ok.approved).toHaveLength(1);
  });
});

describe('assessRisk positions', () => {
  const seven = ['ETH-USD', 'SOL-USD', 'XRP-USD', 'ADA-USD', 'AVAX-USD', 'DOGE-USD', 'LINK-USD'].map((s) => position(s, 100));

  it('7 open and max 8 then one new position approved, the next denied, an add to a held symbol approved', () => {
    const r = run({ portfolio: portfolio({}, seven), proposals: [entry('BTC-USD', 100), entry('DOT-USD', 100), entry('ETH-USD', 100)] });
    expect(r.approved.map((p) => p.symbol)).toEqual(['BTC-USD', 'ETH-USD']);
    expect(r.rejections).toEqual({ 'DOT-USD': ['MAX_OPEN_POSITIONS: open=8, max=8'] });
  });

  it('three new positions in one cycle with max 2 then the third is denied', () => {
    const r = run({ proposals: [entry('BTC-USD', 100), entry('ETH-USD', 100), entry('SOL-USD', 100)] });
    expect(r.approved.map((p) => p.symbol)).toEqual(['BTC-USD', 'ETH-USD']);
    expect(r.rejections).toEqual({ 'SOL-USD': ['NEW_POSITIONS_PER_CYCLE: opened_this_cycle=2, max=2'] });
  });
});

describe('assessRisk exposure caps', () => {
  const roomy = policy({ risk: { max_per_asset_pct: 20, max_per_cluster_pct: 20 } });

  it('600 held plus a 1,000 entry against a 1,500 total cap then resized to 900', () => {
    const r = run({ policy: roomy, portfolio: portfolio({}, [position('ETH-USD', 600)]), proposals: [entry('BTC-USD', 1000)] });
    expect(r.approved).toHaveLength(1);
    expect(r.approved[0]!.notionalUsd).toBe(900);
    expect(r.resized).toEqual([
      {
        symbol: 'BTC-USD',
        fromUsd: 1000,
        toUsd: 900,
        cause: 'TOTAL_AT_RISK: at_risk_usd=600.00, proposed_usd=1000.00, cap_usd=1500.00, cap_pct=15.00, room_usd=900.00',
      },
    ]);
    expect(r.rejections).toEqual({});
  });

  it('total room 5 USD below the 10 USD minimum then denied instead of resized', () => {
    const r = run({ policy: roomy, portfolio: portfolio({}, [position('ETH-USD', 1495)]), proposals: [entry('BTC-USD', 100)] });
    expect(r.rejections['BTC-USD']).toEqual([
      'TOTAL_AT_RISK: at_risk_usd=1495.00, proposed_usd=100.00, cap_usd=1500.00, cap_pct=15.00, room_usd=5.00',
    ]);
  });

  it('entry that exactly fills the total cap then approved unchanged', () => {
    const r = run({ policy: roomy, portfolio: portfolio({}, [position('ETH-USD', 600)]), proposals: [entry('BTC-USD', 900)] });
    expect(r.approved[0]!.notionalUsd).toBe(900);
    expect(r.resized).toEqual([]);
  });

  it('approvals earlier in the cycle use up room: 1,000 then 1,000 against 1,500 then second resized to 500', () => {
    const r = run({ policy: roomy, proposals: [entry('BTC-USD', 1000), entry('ETH-USD', 1000)] });
    expect(r.approved.map((p) => p.notionalUsd)).toEqual([1000, 500]);
  });

  it('marks, not entry cost, count: a position bought at 300 now marked 1,300 leaves 200 of room', () => {
    const held = position('ETH-USD', 300);
    const r = run({
      policy: roomy,
      portfolio: portfolio({ marksUsd: { 'ETH-USD': 1300 } }, [held]),
      proposals: [entry('BTC-USD', 500)],
    });
    expect(r.approved[0]!.notionalUsd).toBe(200);
  });

  it('300 of BTC held plus a 400 BTC entry against a 500 asset cap then resized to 200', () => {
    const r = run({ portfolio: portfolio({}, [position('BTC-USD', 300)]), proposals: [entry('BTC-USD', 400)] });
    expect(r.approved[0]!.notionalUsd).toBe(200);
    expect(r.resized[0]!.cause).toBe('PER_ASSET_CAP: symbol=BTC-USD, asset_usd=300.00, proposed_usd=400.00, cap_usd=500.00, cap_pct=5.00, room_usd=200.00');
  });

  it('495 of BTC held then a BTC entry is denied by the asset cap', () => {
    const r = run({ portfolio: portfolio({}, [position('BTC-USD', 495)]), proposals: [entry('BTC-USD', 100)] });
    expect(r.rejections['BTC-USD']![0]).toMatch(/^PER_ASSET_CAP: symbol=BTC-USD, asset_usd=495.00, .*room_usd=5.00$/);
  });

  it('850 in the store_of_value cluster plus a 400 BTC entry against a 1,000 cluster cap then resized to 150', () => {
    const r = run({
      portfolio: portfolio({}, [position('LTC-USD', 450, 'store_of_value'), position('BCH-USD', 400, 'store_of_value')]),
      snapshot: snapshot([product('BTC-USD'), product('LTC-USD'), product('BCH-USD')]),
      proposals: [entry('BTC-USD', 400, { cluster: 'store_of_value' })],
    });
    expect(r.approved[0]!.notionalUsd).toBe(150);
    expect(r.resized[0]!.cause).toBe(
      'PER_CLUSTER_CAP: cluster=store_of_value, cluster_usd=850.00, proposed_usd=400.00, cap_usd=1000.00, cap_pct=10.00, room_usd=150.00',
    );
  });

  it('entry without a cluster then no cluster cap', () => {
    const r = run({ portfolio: portfolio({}, [position('LTC-USD', 990, 'store_of_value')]), proposals: [entry('BTC-USD', 400)] });
    expect(r.approved[0]!.notionalUsd).toBe(400);
  });

  it('two caps in turn: total room 900 then asset cap 500 then approved at 500 with two resizes', () => {
    const r = run({
      policy: policy({ risk: { max_per_cluster_pct: 20 } }),
      portfolio: portfolio({}, [position('ETH-USD', 600)]),
      proposals: [entry('BTC-USD', 1000)],
    });
    expect(r.approved[0]!.notionalUsd).toBe(500);
    expect(r.resized.map((x) => [x.fromUsd, x.toUsd, x.cause.split(':')[0]])).toEqual([
      [1000, 900, 'TOTAL_AT_RISK'],
      [900, 500, 'PER_ASSET_CAP'],
    ]);
  });

  it('entry of 9.99 USD with a 10 USD minimum then denied; 10 USD approved', () => {
    const r = run({ proposals: [entry('BTC-USD', 9.99), entry('ETH-USD', 10)] });
    expect(r.rejections).toEqual({ 'BTC-USD': ['MIN_NOTIONAL: symbol=BTC-USD, notional_usd=9.99, min_usd=10.00'] });
    expect(r.approved.map((p) => p.symbol)).toEqual(['ETH-USD']);
  });

  it('exchange minimum of 25 USD above the policy minimum then 20 USD denied', () => {
    const r = run({ snapshot: snapshot([product('BTC-USD', { minNotionalUsd: 25 })]), proposals: [entry('BTC-USD', 20)] });
    expect(r.rejections['BTC-USD']).toEqual(['MIN_NOTIONAL: symbol=BTC-USD, notional_usd=20.00, min_usd=25.00']);
  });

  it('NaN notional then denied, never resized into a number', () => {
    const r = run({ proposals: [entry('BTC-USD', Number.NaN)] });
    expect(r.approved).toEqual([]);
    expect(r.rejections['BTC-USD']![0]).toMatch(/^MIN_NOTIONAL:/);
  });

  it('exit over every cap then approved unchanged', () => {
    const r = run({ portfolio: portfolio({}, [position('ETH-USD', 2000)]), proposals: [exit('ETH-USD', 2000)] });
    expect(r.approved).toEqual([exit('ETH-USD', 2000)]);
    expect(r.resized).toEqual([]);
  });
});

describe('assessRisk strategy budget', () => {
  // Entry cost per USD of notional, shipped policy (post-only, offset 2 bps, maker 40 / taker 60 bps,
  // slippage 5 bps) on the test book bid 99.99 / ask 100.01, tick 0.01:
  //   planned buy limit: highest tick below the ask is 100.00; from min(bid, 100.00) = 99.99;
  //   floor(99.99 × 1.0002 / 0.01) = 10000 ticks → 100.00
  //   worst fill: max(100.00, 100.01 × 1.0005 = 100.060005) = 100.060005
  //   factor = 100.060005 / 100.00 × (1 + 60/10,000) = 1.00060005 × 1.006 = 1.0066036503
  it('1,000 held and a 12% budget of 1,200 then a 400 entry resized so its cost with fees fits the 200 left', () => {
    const r = run({ strategies: rules(), portfolio: portfolio({}, [position('ETH-USD', 1000)]), proposals: [entry('BTC-USD', 400)] });
    // room 200 / 1.0066036503 = 198.6879… → 198.68 in whole cents (cost 198.68 × 1.0066 = 199.99 ≤ 200)
    expect(r.approved[0]!.notionalUsd).toBe(198.68);
    expect(r.resized[0]!.cause).toMatch(/^STRATEGY_BUDGET: strategy=rules, used_usd=1000.00, proposed_usd=400.00, cost_factor=1.0066037, cap_usd=1200.00/);
  });

  it('an entry approved earlier in the cycle counts at its cost with fees', () => {
    // First 100 fits (cost 100.66); the second sees used = 1,000 + 100 × 1.0066036503 = 1,100.66,
    // room (1,200 − 1,100.66) / 1.0066036503 = 98.6815… → 98.68.
    const r = run({ strategies: rules(), portfolio: portfolio({}, [position('ETH-USD', 1000)]), proposals: [entry('BTC-USD', 100), entry('SOL-USD', 400)] });
    expect(r.approved.map((p) => p.notionalUsd)).toEqual([100, 98.68]);
  });

  it('6 positions held and max_positions 6 then a new entry denied', () => {
    const six = ['ETH-USD', 'SOL-USD', 'XRP-USD', 'ADA-USD', 'AVAX-USD', 'DOGE-USD'].map((s) => position(s, 50));
    const r = run({ strategies: rules(), portfolio: portfolio({}, six), proposals: [entry('BTC-USD', 100)] });
    expect(r.rejections['BTC-USD']).toEqual(['STRATEGY_BUDGET: strategy=rules, open=6, max_positions=6']);
  });

  it('strategy disabled then its entries denied', () => {
    const r = run({ strategies: rules({ enabled: false }), proposals: [entry('BTC-USD', 100)] });
    expect(r.rejections['BTC-USD']).toEqual(['STRATEGY_BUDGET: strategy=rules, enabled=false']);
  });
});

describe('assessRisk product tradability', () => {
  it('product cancel_only then entry and exit both denied', () => {
    const r = run({ snapshot: snapshot([product('BTC-USD', { status: 'cancel_only' })]), proposals: [entry('BTC-USD', 100), exit('BTC-USD', 100)] });
    expect(r.approved).toEqual([]);
    expect(r.rejections['BTC-USD']).toEqual([
      'PRODUCT_NOT_TRADABLE: symbol=BTC-USD, status=cancel_only, order_type=limit_post_only',
      'PRODUCT_NOT_TRADABLE: symbol=BTC-USD, status=cancel_only, order_type=limit_post_only',
    ]);
  });

  it('post_only product then post-only entries approved and market entries denied', () => {
    const snap = snapshot([product('BTC-USD', { status: 'post_only' })]);
    expect(run({ snapshot: snap, proposals: [entry('BTC-USD', 100)] }).approved).toHaveLength(1);
    const market = run({ snapshot: snap, policy: policy({ execution: { order_type: 'market' } }), proposals: [entry('BTC-USD', 100)] });
    expect(market.rejections['BTC-USD']).toEqual(['PRODUCT_NOT_TRADABLE: symbol=BTC-USD, status=post_only, order_type=market']);
  });

  it('limit_only product then plain limit approved and market denied', () => {
    const snap = snapshot([product('BTC-USD', { status: 'limit_only' })]);
    expect(run({ snapshot: snap, policy: policy({ execution: { order_type: 'limit' } }), proposals: [entry('BTC-USD', 100)] }).approved).toHaveLength(1);
    expect(run({ snapshot: snap, policy: policy({ execution: { order_type: 'market' } }), proposals: [entry('BTC-USD', 100)] }).approved).toEqual([]);
  });

  it('product missing from the snapshot then denied as not listed', () => {
    const r = run({ snapshot: snapshot([]), proposals: [exit('BTC-USD', 100)] });
    expect(r.rejections['BTC-USD']).toEqual(['PRODUCT_NOT_TRADABLE: symbol=BTC-USD, status=not_listed']);
  });
});

describe('assessRisk check order', () => {
  it('entry failing cooldown, caps and minimum then only the cooldown is reported', () => {
    const r = run({
      portfolio: portfolio({ cooldowns: { 'BTC-USD': { until: NOW + 5 * MIN, reason: 'per_symbol' } } }, [position('BTC-USD', 500)]),
      proposals: [entry('BTC-USD', 5)],
    });
    expect(r.rejections).toEqual({ 'BTC-USD': ['SYMBOL_COOLDOWN: symbol=BTC-USD, minutes_left=5'] });
  });

  it('entry failing hourly count and spacing then the hourly count wins', () => {
    const trades = Array.from({ length: 6 }, (_, i) => trade('ETH-USD', (i + 1) * 5_000));
    const r = run({ portfolio: portfolio({ recentTrades: trades }), proposals: [entry('BTC-USD', 100)] });
    expect(r.rejections['BTC-USD']).toEqual(['TRADES_PER_HOUR: trades_last_hour=6, max=6']);
  });

  it('denied entry then it uses no room: a later 1,500 entry still gets the whole 1,500 cap', () => {
    const r = run({
      policy: policy({ risk: { max_per_asset_pct: 20, max_per_cluster_pct: 20 } }),
      portfolio: portfolio({ cooldowns: { 'BTC-USD': { until: NOW + MIN, reason: 'per_symbol' } } }),
      proposals: [entry('BTC-USD', 1000), entry('ETH-USD', 1500)],
    });
    expect(r.approved.map((p) => [p.symbol, p.notionalUsd])).toEqual([['ETH-USD', 1500]]);
  });
});

// ---- pre-trade controls ---------------------------------------------------------------------

describe('checkOrders', () => {
  const btc = product('BTC-USD', { bid: 60_000, ask: 60_001, price: 60_000, priceIncrement: 0.01, baseIncrement: 1e-8 });
  const order = (over: Partial<PlannedOrder> = {}): PlannedOrder => ({
    clientOrderId: 'i-1-BTC-USD-buy',
    symbol: 'BTC-USD',
    side: 'buy',
    type: 'limit',
    postOnly: true,
    quantity: 0.01,
    limitPrice: 60_000,
    notionalUsd: 600,
    intent: 'entry',
    reason: 'breakout',
    tier: 'tier_1',
    ...over,
  });
  const check = (orders: PlannedOrder[], over: { policy?: Policy; recentOrders?: { symbol: string; side: 'buy' | 'sell'; ts: number }[]; products?: Product[] } = {}) =>
    checkOrders({ policy: over.policy ?? policy(), orders, snapshot: snapshot(over.products ?? [btc]), recentOrders: over.recentOrders ?? [], now: NOW });

  it('limit 2.17% above the 60,000.50 mid with a 2% collar then denied; 1.999% above then accepted', () => {
    const r = check([order({ limitPrice: 61_300 })]);
    expect(r.rejected.map((x) => x.denial)).toEqual(['PRICE_COLLAR: symbol=BTC-USD, limit_price=61300, mid_price=60000.5, deviation_pct=2.17, collar_pct=2.00']);
    expect(check([order({ limitPrice: 61_200 })]).accepted).toHaveLength(1);
  });

  it('market order then no collar to check', () => {
    const o = order({ type: 'market', postOnly: false });
    delete o.limitPrice;
    expect(check([o]).accepted).toHaveLength(1);
  });

  it('book with no bid then denied for want of a market price', () => {
    const r = check([order()], { products: [{ ...btc, bid: 0 }] });
    expect(r.rejected[0]!.denial).toBe('NO_MARKET_PRICE: symbol=BTC-USD');
  });

  it('entry of 1,000.01 USD with a 1,000 max then denied; 1,000 accepted; an exit of 5,000 accepted', () => {
    const r = check([order({ notionalUsd: 1000.01 })]);
    expect(r.rejected[0]!.denial).toBe('MAX_ORDER_NOTIONAL: symbol=BTC-USD, notional_usd=1000.01, max_usd=1000.00');
    expect(check([order({ notionalUsd: 1000 })]).accepted).toHaveLength(1);
    expect(check([order({ notionalUsd: 5000, intent: 'exit', side: 'sell', limitPrice: 60_001 })]).accepted).toHaveLength(1);
  });

  it('entry quantity 1,000,001 with a 1,000,000 max then denied', () => {
    const capped = { policy: policy({ pretrade: { max_order_quantity: 1_000_000 } }) };
    const r = check([order({ quantity: 1_000_001 })], capped);
    expect(r.rejected[0]!.denial).toBe('MAX_ORDER_QUANTITY: symbol=BTC-USD, quantity=1000001, max=1000000');
    expect(check([order({ quantity: 1_000_000 })], capped).accepted).toHaveLength(1);
  });

  it('5 orders in the last minute and max 6 then one more accepted and the next denied; one exactly 60 s ago does not count', () => {
    const recent = ['ETH-USD', 'SOL-USD', 'XRP-USD', 'ADA-USD', 'DOT-USD'].map((s, i) => ({ symbol: s, side: 'buy' as const, ts: NOW - (i + 1) * 5_000 }));
    recent.push({ symbol: 'LTC-USD', side: 'buy', ts: NOW - 60_000 });
    const eth = product('ETH-USD', { bid: 3000, ask: 3000.5 });
    const r = check([order(), order({ clientOrderId: 'i-1-ETH-USD-sell', symbol: 'ETH-USD', side: 'sell', limitPrice: 3000.5 })], {
      recentOrders: recent,
      products: [btc, eth],
    });
    expect(r.accepted.map((o) => o.symbol)).toEqual(['BTC-USD']);
    expect(r.rejected.map((x) => x.denial)).toEqual(['ORDERS_PER_MINUTE: orders_last_minute=6, max=6']);
  });

  it('eight exits in one cycle with max_orders_per_minute 6 then all eight accepted, and an entry after them denied counting them', () => {
    const symbols = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].map((s) => `${s}-USD`);
    const products = symbols.map((s) => product(s, { bid: 100, ask: 100.01 }));
    const exits = symbols.map((s) => order({ clientOrderId: `x-${s}`, symbol: s, side: 'sell', intent: 'exit', reason: 'stop_loss', limitPrice: 100.01 }));
    // A sell of the same symbol 10 s ago would be a duplicate for an entry; exits are exempt.
    const r = check([...exits, order()], { products: [...products, btc], recentOrders: [{ symbol: 'A-USD', side: 'sell', ts: NOW - 10_000 }] });
    expect(r.accepted.map((o) => o.symbol)).toEqual(symbols);
    // 1 order 10 s ago + the 8 exits accepted in this call = 9 in the last minute
    expect(r.rejected.map((x) => x.denial)).toEqual(['ORDERS_PER_MINUTE: orders_last_minute=9, max=6']);
  });

  it('same symbol and side 299 s ago with a 300 s window then denied; 300 s ago or other side then accepted', () => {
    const hit = check([order()], { recentOrders: [{ symbol: 'BTC-USD', side: 'buy', ts: NOW - 299_000 }] });
    expect(hit.rejected[0]!.denial).toBe('DUPLICATE_ORDER: symbol=BTC-USD, side=buy, seconds_since=299, window_seconds=300');
    expect(check([order()], { recentOrders: [{ symbol: 'BTC-USD', side: 'buy', ts: NOW - 300_000 }] }).accepted).toHaveLength(1);
    expect(check([order()], { recentOrders: [{ symbol: 'BTC-USD', side: 'sell', ts: NOW - 10_000 }] }).accepted).toHaveLength(1);
  });

  it('same symbol and side twice in one call then the second denied', () => {
    const r = check([order(), order({ clientOrderId: 'other' })]);
    expect(r.accepted).toHaveLength(1);
    expect(r.rejected[0]!.denial).toBe('DUPLICATE_ORDER: symbol=BTC-USD, side=buy, seconds_since=0, window_seconds=300');
  });

  it('product cancel_only then denied; post_only product then a plain limit denied and post-only accepted', () => {
    expect(check([order()], { products: [{ ...btc, status: 'cancel_only' }] }).rejected[0]!.denial).toBe(
      'PRODUCT_NOT_TRADABLE: symbol=BTC-USD, status=cancel_only, order_type=limit_post_only',
    );
    const postOnly = [{ ...btc, status: 'post_only' as const }];
    expect(check([order({ postOnly: false })], { products: postOnly }).rejected[0]!.denial).toBe(
      'PRODUCT_NOT_TRADABLE: symbol=BTC-USD, status=post_only, order_type=limit',
    );
    expect(check([order()], { products: postOnly }).accepted).toHaveLength(1);
  });

  it('order failing tradability and collar then tradability reported first', () => {
    const r = check([order({ limitPrice: 90_000 })], { products: [{ ...btc, status: 'offline' }] });
    expect(r.rejected[0]!.denial).toMatch(/^PRODUCT_NOT_TRADABLE:/);
  });

  it('rejected order then it does not count toward the rate or duplicate guards', () => {
    const r = check([order({ limitPrice: 90_000 }), order()]);
    expect(r.rejected.map((x) => x.denial.split(':')[0])).toEqual(['PRICE_COLLAR']);
    expect(r.accepted).toHaveLength(1);
  });
});
