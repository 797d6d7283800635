import { describe, expect, it } from 'vitest';
import { createMetrics, type TraderMetrics } from '../../src/metrics/registry.ts';
import { noTradeReasonLabel } from '../../src/metrics/labels.ts';
import { parseProm, valueOf, type Sample } from './promText.ts';

const ID = { instanceId: 'trader-7', mode: 'DRY_RUN', configHash: '0123456789abcdef', version: '0.1.0', commit: 'abc123def456', intervalSeconds: 60 };

async function scrape(m: TraderMetrics): Promise<Sample[]> {
  return parseProm(await m.metricsText());
}

const cycle = (over: Partial<Parameters<TraderMetrics['observeCycle']>[0]> = {}) => ({
  status: 'NO_OPPORTUNITIES',
  noTradeReason: 'no_candidates_from_triggers' as string | null,
  seconds: 0.2,
  stageLatencies: {},
  orders: [],
  at: new Date('2025-11-20T12:00:00Z'),
  ...over,
});

describe('createMetrics', () => {
  it('startup then config info, build info and interval exposed once with the instance label', async () => {
    const s = await scrape(createMetrics(ID));
    const info = s.filter((x) => x.name === 'trader_config_info');
    expect(info).toEqual([{ name: 'trader_config_info', labels: { config_hash: '0123456789abcdef', mode: 'DRY_RUN', instance: 'trader-7' }, value: 1 }]);
    expect(valueOf(s, 'trader_build_info', { version: '0.1.0', commit: 'abc123def456', node: process.version })).toBe(1);
    expect(valueOf(s, 'trader_loop_interval_seconds')).toBe(60);
    expect(valueOf(s, 'trader_up')).toBe(1);
    expect(valueOf(s, 'trader_config_drift')).toBe(0);
    expect(valueOf(s, 'trader_last_cycle_timestamp_seconds')).toBe(0);
    expect(valueOf(s, 'trader_cycles_total', { status: 'EXECUTED' })).toBe(0);
    expect(s.filter((x) => x.name === 'trader_config_hash_on_disk_info')).toEqual([]);
    // Default process metrics, on the same private registry, also carry the instance.
    expect(valueOf(s, 'process_start_time_seconds', { instance: 'trader-7' })).toBeGreaterThan(0);
    expect(s.every((x) => x.labels.instance === 'trader-7')).toBe(true);
  });

  it('two instances in one process then no shared series', async () => {
    const a = createMetrics(ID);
    const b = createMetrics({ ...ID, instanceId: 'trader-8', configHash: 'ffffffffffffffff' });
    a.observeCycle(cycle());
    const sb = await scrape(b);
    expect(valueOf(sb, 'trader_cycles_total', { status: 'NO_OPPORTUNITIES' })).toBe(0);
    expect(sb.filter((x) => x.name === 'trader_config_info').map((x) => x.labels.config_hash)).toEqual(['ffffffffffffffff']);
  });

  it('observed cycles then counters, histograms and last cycle time follow them', async () => {
    const m = createMetrics(ID);
    m.observeCycle(cycle({ seconds: 0.2, stageLatencies: { universe: 0.003, risk: 0.0002 } }));
    m.observeCycle(
      cycle({
        status: 'EXECUTED',
        noTradeReason: null,
        seconds: 1.5,
        stageLatencies: { universe: 0.004, execution: 0.7 },
        orders: [
          { side: 'buy', outcome: 'filled' },
          { side: 'buy', outcome: 'filled' },
          { side: 'sell', outcome: 'rejected' },
        ],
        at: new Date('2025-11-20T12:01:00Z'),
      }),
    );
    const s = await scrape(m);
    expect(valueOf(s, 'trader_cycles_total', { status: 'NO_OPPORTUNITIES' })).toBe(1);
    expect(valueOf(s, 'trader_cycles_total', { status: 'EXECUTED' })).toBe(1);
    expect(valueOf(s, 'trader_no_trade_total', { reason: 'no_candidates_from_triggers' })).toBe(1);
    expect(valueOf(s, 'trader_orders_total', { side: 'buy', outcome: 'filled' })).toBe(2);
    expect(valueOf(s, 'trader_orders_total', { side: 'sell', outcome: 'rejected' })).toBe(1);
    expect(valueOf(s, 'trader_cycle_duration_seconds_count')).toBe(2);
    expect(valueOf(s, 'trader_cycle_duration_seconds_sum')).toBeCloseTo(1.7, 9);
    // 0.2 falls in le=0.25, 1.5 in le=2.5.
    expect(valueOf(s, 'trader_cycle_duration_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(valueOf(s, 'trader_cycle_duration_seconds_bucket', { le: '0.25' })).toBe(1);
    expect(valueOf(s, 'trader_cycle_duration_seconds_bucket', { le: '2.5' })).toBe(2);
    expect(valueOf(s, 'trader_stage_duration_seconds_count', { stage: 'universe' })).toBe(2);
    expect(valueOf(s, 'trader_stage_duration_seconds_sum', { stage: 'universe' })).toBeCloseTo(0.007, 9);
    expect(valueOf(s, 'trader_stage_duration_seconds_count', { stage: 'execution' })).toBe(1);
    expect(valueOf(s, 'trader_stage_duration_seconds_count', { stage: 'candles' })).toBe(0);
    expect(valueOf(s, 'trader_last_cycle_timestamp_seconds')).toBe(Date.parse('2025-11-20T12:01:00Z') / 1000);
  });

  it('free-text reasons, stages and outcomes then bounded to the fixed sets', async () => {
    const m = createMetrics(ID);
    m.observeCycle(cycle({ status: 'NO_TRADE', noTradeReason: 'data_unavailable:candles' }));
    m.observeCycle(cycle({ status: 'NO_TRADE', noTradeReason: 'exception:TypeError' }));
    m.observeCycle(cycle({ status: 'NO_TRADE', noTradeReason: 'Global trade spacing active (33s remaining, min 90s between trades)' }));
    m.observeCycle(cycle({ status: 'WEIRD', stageLatencies: { my_new_stage: 0.1 }, orders: [{ side: 'BUY', outcome: 'expired' }] }));
    const s = await scrape(m);
    expect(valueOf(s, 'trader_no_trade_total', { reason: 'data_unavailable' })).toBe(1);
    expect(valueOf(s, 'trader_no_trade_total', { reason: 'exception' })).toBe(1);
    expect(valueOf(s, 'trader_no_trade_total', { reason: 'other' })).toBe(1);
    expect(valueOf(s, 'trader_cycles_total', { status: 'other' })).toBe(1);
    expect(valueOf(s, 'trader_stage_duration_seconds_count', { stage: 'other' })).toBe(1);
    expect(valueOf(s, 'trader_orders_total', { side: 'buy', outcome: 'other' })).toBe(1);
    const reasons = new Set(s.filter((x) => x.name === 'trader_no_trade_total').map((x) => x.labels.reason));
    expect(reasons.has('data_unavailable:candles')).toBe(false);
  });

  it('reason label when code has a suffix then the code alone', () => {
    expect(noTradeReasonLabel('data_unavailable:products')).toBe('data_unavailable');
    expect(noTradeReasonLabel('kill_switch')).toBe('kill_switch');
    expect(noTradeReasonLabel('All proposals blocked by exposure caps')).toBe('other');
  });

  it('drift set then cleared then gauge and on-disk hash follow', async () => {
    const m = createMetrics(ID);
    m.setDrift('aaaaaaaaaaaaaaaa');
    m.setDrift('bbbbbbbbbbbbbbbb');
    let s = await scrape(m);
    expect(valueOf(s, 'trader_config_drift')).toBe(1);
    expect(s.filter((x) => x.name === 'trader_config_hash_on_disk_info').map((x) => x.labels.config_hash)).toEqual(['bbbbbbbbbbbbbbbb']);
    m.setDrift(null);
    s = await scrape(m);
    expect(valueOf(s, 'trader_config_drift')).toBe(0);
    expect(s.filter((x) => x.name === 'trader_config_hash_on_disk_info')).toEqual([]);
    // The loaded hash never changes with drift.
    expect(valueOf(s, 'trader_config_info', { config_hash: '0123456789abcdef' })).toBe(1);
  });

  it('audit, kill switch, trading state and shutdown then gauges and counters follow', async () => {
    const m = createMetrics(ID);
    m.auditWritten();
    m.auditWritten();
    m.auditWritten();
    m.auditWriteFailed();
    m.setKillSwitch(true);
    m.setTradingState('HALTED');
    m.setUp(false);
    const s = await scrape(m);
    expect(valueOf(s, 'trader_audit_records_total')).toBe(3);
    expect(valueOf(s, 'trader_audit_write_errors_total')).toBe(1);
    expect(valueOf(s, 'trader_kill_switch_active')).toBe(1);
    expect(s.filter((x) => x.name === 'trader_trading_state').map((x) => [x.labels.state, x.value])).toEqual([
      ['ACTIVE', 0],
      ['REDUCING', 0],
      ['HALTED', 1],
    ]);
    expect(valueOf(s, 'trader_up')).toBe(0);
  });
});
