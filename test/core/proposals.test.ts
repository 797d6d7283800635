import { describe, expect, it } from 'vitest';
import type { Policy } from '../../src/config/schema/policy.ts';
import type { Strategies } from '../../src/config/schema/strategies.ts';
import { conviction, entryNotionalUsd, makeProposals, renderRejection } from '../../src/core/proposals.ts';
import type { PortfolioView, Position, Trigger, TriggerType, UniverseAsset } from '../../src/core/types.ts';
import type { Product } from '../../src/exchange/types.ts';
import { testPolicy } from '../helpers/policy.ts';
import { testProduct } from '../helpers/product.ts';

const NOW = Date.UTC(2025, 10, 15, 12, 0, 0);
const H = 3_600_000;

const policy: Policy = testPolicy();

const WEIGHTS = { price_move: 0.8, volume_spike: 0.6, breakout: 1.0, momentum: 0.7 };
const strategies = (o: Partial<Strategies['rules']> = {}): Strategies => ({
  rules: { enabled: true, risk_budget_pct: 12, max_positions: 6, min_conviction: 0.35, trigger_weights: WEIGHTS, ...o },
});

const product = (symbol: string, bid = 100): Product => testProduct(symbol, { price: bid, bid, ask: bid + 0.02 });

const ASSETS: UniverseAsset[] = [
  { symbol: 'BTC-USD', tier: 'tier_1', cluster: 'store_of_value', product: product('BTC-USD') },
  { symbol: 'ETH-USD', tier: 'tier_1', cluster: 'smart_contract_l1', product: product('ETH-USD') },
  { symbol: 'ADA-USD', tier: 'tier_2', product: product('ADA-USD') },
  { symbol: 'PEPE-USD', tier: 'tier_3', cluster: 'memes', product: product('PEPE-USD') },
  { symbol: 'OP-USD', tier: 'tier_3', product: product('OP-USD') },
];

const trig = (symbol: string, type: TriggerType, strength: number, direction: 'up' | 'down' = 'up'): Trigger => ({
  symbol,
  type,
  direction,
  strength,
  confidence: 1,
  price: 100,
  metrics: {},
});

/** Open position bought at 100: stop 95, target 110, max hold one hour after NOW. */
const position = (symbol: string, o: Partial<Position> = {}): Position => ({
  symbol,
  quantity: 2,
  avgEntryPrice: 100,
  entryTime: NOW - 10 * H,
  tier: 'tier_1',
  cluster: 'store_of_value',
  stopLossPrice: 95,
  takeProfitPrice: 110,
  maxHoldUntil: NOW + H,
  ...o,
});

const portfolio = (positions: Position[] = [], equityUsd = 10_000): PortfolioView => ({
  now: NOW,
  cashUsd: equityUsd,
  positions,
  marksUsd: {},
  equityUsd,
  highWaterMarkUsd: equityUsd,
  dailyPnlUsd: 0,
  weeklyPnlUsd: 0,
  consecutiveLosses: 0,
  recentTrades: [],
  cooldowns: {},
});

function run(o: {
  triggers?: Trigger[];
  positions?: Position[];
  equity?: number;
  bids?: Record<string, number>;
  missing?: string[];
  rules?: Partial<Strategies['rules']>;
}) {
  const symbols = ['BTC-USD', 'ETH-USD', 'ADA-USD', 'PEPE-USD', 'OP-USD'].filter((s) => !o.missing?.includes(s));
  return makeProposals({
    strategies: strategies(o.rules),
    policy,
    triggers: o.triggers ?? [],
    assets: ASSETS,
    portfolio: portfolio(o.positions, o.equity),
    snapshot: { now: NOW, products: symbols.map((s) => product(s, o.bids?.[s] ?? 100)), candles: {} },
  });
}

describe('exits (every cycle, no triggers needed)', () => {
  it('bid 95 at the 95 stop then a stop_loss sell of the whole position at 2 x 95 = 190', () => {
    const r = run({ positions: [position('BTC-USD')], bids: { 'BTC-USD': 95 } });
    expect(r.proposals).toEqual([
      {
        symbol: 'BTC-USD',
        side: 'sell',
        intent: 'exit',
        tier: 'tier_1',
        cluster: 'store_of_value',
        notionalUsd: 190,
        quantity: 2,
        conviction: 1,
        reason: 'stop_loss',
        strategy: 'exit',
      },
    ]);
  });
  it('bid 95.01 just above the stop, below target, before max hold then no exit', () => {
    expect(run({ positions: [position('BTC-USD')], bids: { 'BTC-USD': 95.01 } }).proposals).toEqual([]);
  });
  it('bid 110 at the target then take_profit with notional 220', () => {
    const [p] = run({ positions: [position('BTC-USD')], bids: { 'BTC-USD': 110 } }).proposals;
    expect([p!.reason, p!.notionalUsd]).toEqual(['take_profit', 220]);
  });
  it('now exactly at maxHoldUntil then max_hold; one ms before then nothing', () => {
    expect(run({ positions: [position('BTC-USD', { maxHoldUntil: NOW })] }).proposals[0]!.reason).toBe('max_hold');
    expect(run({ positions: [position('BTC-USD', { maxHoldUntil: NOW + 1 })] }).proposals).toEqual([]);
  });
  it('stop hit and max hold passed together then one exit, reason stop_loss', () => {
    const r = run({ positions: [position('BTC-USD', { maxHoldUntil: NOW - 1 })], bids: { 'BTC-USD': 90 } });
    expect(r.proposals.map((p) => p.reason)).toEqual(['stop_loss']);
  });
  it('position whose product is missing from the snapshot then no exit and a rejection', () => {
    const r = run({ positions: [position('BTC-USD', { maxHoldUntil: NOW - 1 })], missing: ['BTC-USD'] });
    expect(r.proposals).toEqual([]);
    expect(r.rejections).toEqual({ 'BTC-USD': ['exit_no_product'] });
  });
  it('position with a NaN bid then no exit and exit_bad_price', () => {
    const r = run({ positions: [position('BTC-USD')], bids: { 'BTC-USD': Number.NaN } });
    expect(r.rejections['BTC-USD']).toEqual(['exit_bad_price: bid=NaN']);
  });
  it('rules strategy disabled then exits still proposed and triggers rejected strategy_disabled', () => {
    const r = run({
      positions: [position('BTC-USD')],
      bids: { 'BTC-USD': 90 },
      triggers: [trig('ETH-USD', 'breakout', 1)],
      rules: { enabled: false },
    });
    expect(r.proposals.map((p) => [p.symbol, p.intent])).toEqual([['BTC-USD', 'exit']]);
    expect(r.rejections).toEqual({ 'ETH-USD': ['strategy_disabled: strategy=rules'] });
  });
});

describe('entries: conviction and size', () => {
  it('breakout 0.5 + volume_spike 0.25 on tier 1 then conviction 0.40625 and $140.625', () => {
    // conviction = (1.0*0.5 + 0.6*0.25) / (1.0 + 0.6) = 0.65 / 1.6 = 0.40625
    // size = 10000 * 2% * (0.5 + 0.5*0.40625) = 200 * 0.703125 = 140.625
    const r = run({ triggers: [trig('ETH-USD', 'volume_spike', 0.25), trig('ETH-USD', 'breakout', 0.5)] });
    expect(r.proposals).toEqual([
      {
        symbol: 'ETH-USD',
        side: 'buy',
        intent: 'entry',
        tier: 'tier_1',
        cluster: 'smart_contract_l1',
        notionalUsd: 140.625,
        conviction: 0.40625,
        reason: 'breakout+volume_spike',
        stopLossPct: 4,
        takeProfitPct: 8,
        maxHoldHours: 48,
        strategy: 'rules',
      },
    ]);
    expect(r.rejections).toEqual({});
  });
  it('tier 3 at conviction 1 then the full 1% of equity, $100; tier 2 at 0.5 then 150 x 0.75 = $112.5', () => {
    const r = run({ triggers: [trig('OP-USD', 'breakout', 1), trig('ADA-USD', 'momentum', 0.5)] });
    expect(r.proposals.map((p) => [p.symbol, p.conviction, p.notionalUsd])).toEqual([
      ['OP-USD', 1, 100],
      ['ADA-USD', 0.5, 112.5],
    ]);
  });
  it('price_move 0.21 alone then rejected low_conviction with both numbers', () => {
    const r = run({ triggers: [trig('BTC-USD', 'price_move', 0.21)] });
    expect(r.proposals).toEqual([]);
    expect(r.rejections).toEqual({ 'BTC-USD': ['low_conviction: conviction=0.21, min=0.35'] });
  });
  it('conviction exactly at min_conviction 0.35 then proposed', () => {
    expect(run({ triggers: [trig('BTC-USD', 'price_move', 0.35)] }).proposals.map((p) => p.conviction)).toEqual([0.35]);
  });
  it('upward breakout 0.5 with a downward momentum 0.9 then diluted: 0.5/1.7 = 0.2941, low_conviction', () => {
    const r = run({ triggers: [trig('BTC-USD', 'breakout', 0.5), trig('BTC-USD', 'momentum', 0.9, 'down')] });
    expect(r.rejections['BTC-USD']).toEqual(['low_conviction: conviction=0.2941, min=0.35']);
  });
  it('equity $500, tier 3 at conviction 0.5 then $3.75 below the $10 minimum, rejected', () => {
    // 500 * 1% * 0.75 = 3.75
    const r = run({ equity: 500, triggers: [trig('OP-USD', 'breakout', 0.5)] });
    expect(r.rejections).toEqual({ 'OP-USD': ['below_min_notional: notional_usd=3.75, min=10'] });
  });
  it('conviction and entryNotionalUsd: all weights zero then 0; 1000 equity, 2%, conviction 0 then $10', () => {
    const zero = { price_move: 0, volume_spike: 0, breakout: 0, momentum: 0 };
    expect(conviction([trig('X-USD', 'breakout', 1)], zero)).toBe(0);
    expect(entryNotionalUsd(1000, 2, 0)).toBe(10);
  });
});

describe('entries: rejections and de-duplication', () => {
  it('only downward triggers then direction_down naming the types', () => {
    const r = run({ triggers: [trig('BTC-USD', 'price_move', 0.9, 'down'), trig('BTC-USD', 'momentum', 0.9, 'down')] });
    expect(r.proposals).toEqual([]);
    expect(r.rejections).toEqual({ 'BTC-USD': ['direction_down: types=momentum+price_move'] });
  });
  it('symbol already held then already_open, and its exit is still evaluated', () => {
    const r = run({ positions: [position('BTC-USD')], bids: { 'BTC-USD': 111 }, triggers: [trig('BTC-USD', 'breakout', 1)] });
    expect(r.proposals.map((p) => [p.symbol, p.reason])).toEqual([['BTC-USD', 'take_profit']]);
    expect(r.rejections).toEqual({ 'BTC-USD': ['already_open: quantity=2'] });
  });
  it('dust below the minimum order size held then no exit proposal and a new entry allowed', () => {
    // 0.00005 BTC is under minBaseQty 0.0001: unsellable, so it must not block BTC for good.
    const r = run({ positions: [position('BTC-USD', { quantity: 0.00005 })], bids: { 'BTC-USD': 111 }, triggers: [trig('BTC-USD', 'breakout', 1)] });
    expect(r.proposals.map((p) => [p.symbol, p.intent])).toEqual([['BTC-USD', 'entry']]);
    expect(r.rejections).toEqual({});
  });
  it('trigger for a symbol outside the universe then not_in_universe', () => {
    expect(run({ triggers: [trig('XYZ-USD', 'breakout', 1)] }).rejections).toEqual({ 'XYZ-USD': ['not_in_universe'] });
  });
  it('two breakout triggers (0.4 and 0.6) on one symbol then one proposal using the stronger, 0.6', () => {
    const r = run({ triggers: [trig('BTC-USD', 'breakout', 0.4), trig('BTC-USD', 'breakout', 0.6)] });
    expect(r.proposals.map((p) => [p.symbol, p.conviction, p.reason])).toEqual([['BTC-USD', 0.6, 'breakout']]);
  });
  it('max_positions 3 with 1 open and three candidates then the two strongest, the third rejected', () => {
    const r = run({
      rules: { max_positions: 3 },
      positions: [position('ADA-USD', { tier: 'tier_2' })],
      triggers: [trig('PEPE-USD', 'breakout', 0.5), trig('ETH-USD', 'breakout', 0.9), trig('BTC-USD', 'breakout', 0.8)],
    });
    expect(r.proposals.map((p) => p.symbol)).toEqual(['ETH-USD', 'BTC-USD']);
    expect(r.rejections).toEqual({ 'PEPE-USD': ['strategy_max_positions: open=1, max=3'] });
  });
});

describe('ordering', () => {
  it('exits first by symbol, then entries by conviction desc with equal convictions by symbol', () => {
    const r = run({
      positions: [position('PEPE-USD', { maxHoldUntil: NOW }), position('ADA-USD', { maxHoldUntil: NOW })],
      triggers: [trig('OP-USD', 'breakout', 0.5), trig('ETH-USD', 'breakout', 0.5), trig('BTC-USD', 'breakout', 0.9)],
    });
    expect(r.proposals.map((p) => [p.symbol, p.intent])).toEqual([
      ['ADA-USD', 'exit'],
      ['PEPE-USD', 'exit'],
      ['BTC-USD', 'entry'],
      ['ETH-USD', 'entry'],
      ['OP-USD', 'entry'],
    ]);
  });
  it('renderRejection without fields then just the code, with fields then code: k=v, k=v', () => {
    expect(renderRejection('not_in_universe')).toBe('not_in_universe');
    expect(renderRejection('low_conviction', { conviction: 0.123456, min: 0.35 })).toBe('low_conviction: conviction=0.1235, min=0.35');
  });
});
