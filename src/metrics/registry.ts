// src/metrics/: the prom-client registry and the HTTP server for /metrics, /healthz and /readyz.
// Must not: change what the daemon does; it only observes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  CYCLE_STATUSES,
  NO_TRADE_REASONS,
  ORDER_OUTCOMES,
  ORDER_SIDES,
  STAGES,
  TRADING_STATES,
  noTradeReasonLabel,
  outcomeLabel,
  sideLabel,
  stageLabel,
  statusLabel,
} from './labels.ts';
import { chainHeadValue } from '../audit/chain.ts';

/** Who this process is; set once at startup and exposed as info metrics. */
export interface MetricsIdentity {
  /** app.yaml instance_id; becomes the `instance` label on every series (scrape with honor_labels). */
  instanceId: string;
  mode: string;
  configHash: string;
  version: string;
  commit: string;
  /** The loop interval in seconds, so the stall alert needs no constant. */
  intervalSeconds: number;
}

/** One finished cycle, as the TradingLoop saw it. */
export interface CycleObservation {
  status: string;
  noTradeReason: string | null;
  /** Whole-cycle duration. */
  seconds: number;
  /** The record's stage_latencies (seconds per stage). */
  stageLatencies: Record<string, number>;
  orders: { side: string; outcome: string }[];
  /** When the cycle completed (wall time; becomes trader_last_cycle_timestamp_seconds). */
  at: Date;
}

/** The daemon's metrics: what the loop calls, and the text /metrics serves. */
export interface TraderMetrics {
  readonly registry: Registry;
  observeCycle(c: CycleObservation): void;
  /** The on-disk config hash while it differs from the loaded one; null when they agree again. */
  setDrift(onDiskHash: string | null): void;
  auditWritten(): void;
  auditWriteFailed(): void;
  /** The audit log's head after a write: trader_audit_seq and trader_audit_chain_head (the off-host witness). */
  setAuditHead(seq: number, chain: string): void;
  /** The trader_audit_seq served to the last /metrics request, and when (what a scraping witness last saw); null before any. */
  lastServedAuditSeq(): { seq: number; at: string } | null;
  setKillSwitch(active: boolean): void;
  /** A notification delivered to / lost for a configured target (label: the target's name from app.yaml). */
  notificationSent(target: string): void;
  notificationFailed(target: string): void;
  /** Starts a target's series at 0, so increase() sees its first failure. */
  notificationTarget(target: string): void;
  setTradingState(state: string): void;
  /** 0 once the daemon is shutting down (the last scrape then says it left on purpose). */
  setUp(up: boolean): void;
  metricsText(): Promise<string>;
  readonly contentType: string;
}

// Cycles on the sim market take milliseconds, live ones seconds (exchange round trips).
const CYCLE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const STAGE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Builds this process's metrics on a private Registry (never the global one, so tests and
 * two instances in one process do not share series), with the default process metrics.
 */
export function createMetrics(id: MetricsIdentity): TraderMetrics {
  const registry = new Registry();
  // The trader's instance_id, not host:port, identifies it in alerts and joins.
  registry.setDefaultLabels({ instance: id.instanceId });
  collectDefaultMetrics({ register: registry });
  const reg = { registers: [registry] };

  new Gauge({ name: 'trader_config_info', help: 'The config hash (policy+signals+universe) this process loaded; always 1', labelNames: ['config_hash', 'mode'], ...reg })
    .labels({ config_hash: id.configHash, mode: id.mode })
    .set(1);
  new Gauge({ name: 'trader_build_info', help: 'Version and commit of the running code; always 1', labelNames: ['version', 'commit', 'node'], ...reg })
    .labels({ version: id.version, commit: id.commit, node: process.version })
    .set(1);
  new Gauge({ name: 'trader_loop_interval_seconds', help: 'Configured seconds between cycle starts', ...reg }).set(id.intervalSeconds);
  const up = new Gauge({ name: 'trader_up', help: '1 while the daemon runs, 0 while it shuts down', ...reg });
  up.set(1);

  const drift = new Gauge({ name: 'trader_config_drift', help: '1 while the config files on disk differ from the loaded ones', ...reg });
  const onDisk = new Gauge({ name: 'trader_config_hash_on_disk_info', help: 'The config hash on disk while it differs from the loaded one; always 1', labelNames: ['config_hash'], ...reg });
  drift.set(0);

  const cycleSeconds = new Histogram({ name: 'trader_cycle_duration_seconds', help: 'Duration of a whole cycle', buckets: CYCLE_BUCKETS, ...reg });
  const stageSeconds = new Histogram({ name: 'trader_stage_duration_seconds', help: 'Duration of one stage of a cycle', labelNames: ['stage'], buckets: STAGE_BUCKETS, ...reg });
  const cycles = new Counter({ name: 'trader_cycles_total', help: 'Completed cycles by status', labelNames: ['status'], ...reg });
  const noTrade = new Counter({ name: 'trader_no_trade_total', help: 'Cycles without a trade by reason (bounded set; see src/metrics/labels.ts)', labelNames: ['reason'], ...reg });
  const orders = new Counter({ name: 'trader_orders_total', help: 'Orders handled by the executor by side and outcome', labelNames: ['side', 'outcome'], ...reg });
  const auditRecords = new Counter({ name: 'trader_audit_records_total', help: 'Audit records appended', ...reg });
  const auditErrors = new Counter({ name: 'trader_audit_write_errors_total', help: 'Audit records that could not be written', ...reg });
  const notifySent = new Counter({ name: 'trader_notifications_sent_total', help: 'Notifications delivered, by target', labelNames: ['target'], ...reg });
  const notifyFailed = new Counter({ name: 'trader_notifications_failed_total', help: 'Notifications that could not be delivered (retries exhausted, or queue full), by target', labelNames: ['target'], ...reg });
  // Set together and read in one synchronous pass of a scrape: every scrape stores a matching pair.
  const auditSeq = new Gauge({ name: 'trader_audit_seq', help: 'seq of the latest audit record', ...reg });
  let headSeq = 0;
  let served: { seq: number; at: string } | null = null;
  const auditHead = new Gauge({ name: 'trader_audit_chain_head', help: 'First 13 hex digits of the latest audit record chain, as an integer (exact in a float64)', ...reg });
  const killSwitch = new Gauge({ name: 'trader_kill_switch_active', help: '1 while the kill switch is engaged', ...reg });
  const trading = new Gauge({ name: 'trader_trading_state', help: '1 for the current trading state (ACTIVE, REDUCING, HALTED)', labelNames: ['state'], ...reg });
  // 0 until the first cycle completes; the stall alert then counts from process_start_time_seconds.
  const lastCycle = new Gauge({ name: 'trader_last_cycle_timestamp_seconds', help: 'Unix time the last cycle completed (0 before the first)', ...reg });

  // Every known label value exists from the start at 0, so increase() sees the first event.
  for (const s of CYCLE_STATUSES) cycles.labels({ status: s }).inc(0);
  for (const r of NO_TRADE_REASONS) noTrade.labels({ reason: r }).inc(0);
  for (const side of ORDER_SIDES) for (const outcome of ORDER_OUTCOMES) if (side !== 'other' && outcome !== 'other') orders.labels({ side, outcome }).inc(0);
  for (const s of STAGES) stageSeconds.zero({ stage: s });
  killSwitch.set(0);
  const setTradingState = (state: string): void => {
    for (const s of TRADING_STATES) trading.labels({ state: s }).set(s === state ? 1 : 0);
  };
  setTradingState('ACTIVE');

  return {
    registry,
    contentType: registry.contentType,
    observeCycle(c) {
      cycles.labels({ status: statusLabel(c.status) }).inc();
      if (c.noTradeReason !== null) noTrade.labels({ reason: noTradeReasonLabel(c.noTradeReason) }).inc();
      cycleSeconds.observe(c.seconds);
      for (const [stage, s] of Object.entries(c.stageLatencies)) stageSeconds.labels({ stage: stageLabel(stage) }).observe(s);
      for (const o of c.orders) orders.labels({ side: sideLabel(o.side), outcome: outcomeLabel(o.outcome) }).inc();
      lastCycle.set(c.at.getTime() / 1000);
    },
    setDrift(onDiskHash) {
      onDisk.reset();
      drift.set(onDiskHash === null ? 0 : 1);
      if (onDiskHash !== null) onDisk.labels({ config_hash: onDiskHash }).set(1);
    },
    auditWritten: () => auditRecords.inc(),
    auditWriteFailed: () => auditErrors.inc(),
    setAuditHead(seq, chain) {
      headSeq = seq;
      auditSeq.set(seq);
      auditHead.set(chainHeadValue(chain));
    },
    setKillSwitch: (active) => killSwitch.set(active ? 1 : 0),
    notificationSent: (target) => notifySent.labels({ target }).inc(),
    notificationFailed: (target) => notifyFailed.labels({ target }).inc(),
    notificationTarget(target) {
      notifySent.labels({ target }).inc(0);
      notifyFailed.labels({ target }).inc(0);
    },
    setTradingState,
    setUp: (isUp) => up.set(isUp ? 1 : 0),
    lastServedAuditSeq: () => served,
    async metricsText() {
      // The gauges are read synchronously when metrics() starts: this seq is the one in the text.
      const seq = headSeq;
      const text = await registry.metrics();
      served = { seq, at: new Date().toISOString() };
      return text;
    },
  };
}

/**
 * The metrics of a run nobody scrapes (a backtest: no /metrics server, and its stage latencies are
 * recorded as 0): every observation is dropped, and no default process metrics (GC and event-loop
 * observers that a sweep's runs would pile up in one worker) are collected.
 */
export function unscrapedMetrics(): TraderMetrics {
  const registry = new Registry();
  const none = (): void => undefined;
  return {
    registry,
    contentType: registry.contentType,
    observeCycle: none,
    setDrift: none,
    auditWritten: none,
    auditWriteFailed: none,
    setAuditHead: none,
    lastServedAuditSeq: () => null,
    setKillSwitch: none,
    notificationSent: none,
    notificationFailed: none,
    notificationTarget: none,
    setTradingState: none,
    setUp: none,
    metricsText: () => registry.metrics(),
  };
}
