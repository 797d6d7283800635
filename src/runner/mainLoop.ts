import { resolve, join } from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { RunMode } from '../config/schema/app.ts';
import { ConfigDriftWatcher, type DriftStatus } from '../config/drift.ts';
import { saveSnapshot } from '../config/snapshots.ts';
import { AuditLogger, AuditWriteError } from '../audit/writer.ts';
import type { AuditEvent, CycleRecord } from '../core/auditRecord.ts';
import { selectUniverse } from '../core/universe.ts';
import { checkBooks, withoutRejected } from '../core/bookCheck.ts';
import { scanTriggers } from '../core/triggers.ts';
import { makeProposals } from '../core/proposals.ts';
import { assessRisk, checkOrders } from '../core/risk.ts';
import { planOrders } from '../core/orders.ts';
import type { MarketSnapshot, OrderOutcome, PlannedOrder, PortfolioView, TradingState } from '../core/types.ts';
import type { MarketData, Product } from '../exchange/types.ts';
import { createMarket, marketReady, universeSymbols, urlOverrideFrom } from '../exchange/index.ts';
import { ExchangeError } from '../exchange/ccxt/exchangeError.ts';
import type { AuditSink } from '../execution/live.ts';
import type { Executor } from '../execution/types.ts';
import { createExecutor } from '../execution/index.ts';
import { StateStore } from '../state/store.ts';
import { createLogger, type Logger } from '../log.ts';
import { createMetrics, type TraderMetrics } from '../metrics/registry.ts';
import { healthFrom, type Health } from '../metrics/health.ts';
import { wallClock, VirtualClock, type Clock } from './clock.ts';
import { cycleStatus, executedCount, noTradeReason, type CycleStages } from './cycleOutcome.ts';
import { killSwitchPath, killSwitchPresent } from './killSwitch.ts';
import { InstanceLock } from './lock.ts';
import { nextSlot, seededRandom } from './schedule.ts';
import { StageTimer } from './stageTimer.ts';
import { previousRun } from './previousRun.ts';
import { takeResumeRequest } from './resumeRequest.ts';
import { codeVersion } from './version.ts';
import { checkLiveGates, gateLiveOrders } from './liveGates.ts';
import { isLiveVenue, LiveSession, ReconcileRefused, refusalMessage, type LiveVenue } from './reconcileStep.ts';

export interface TradingLoopOptions {
  configDir: string;
  /** Overrides app.yaml `mode` (CLI --mode / --live). */
  mode?: RunMode;
  /** Override app.yaml logging.dir / state.dir (CLI --log-dir / --data-dir). */
  logDir?: string;
  dataDir?: string;
  intervalSeconds?: number;
  clock?: Clock;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** A market to use instead of the one app.yaml names (tests, backtests). In LIVE it must also be an OrderVenue. */
  market?: MarketData;
  /** LIVE: start even when reconciliation finds differences, adopting the exchange's view (recorded). */
  acceptReconcileDifferences?: boolean;
}

/** Candle history the stages need: a day of 15m bars, a week of 1h bars. */
const M15_BARS = 96;
const H1_BARS = 168;

/**
 * The daemon. Loads and fingerprints the configuration once, then each cycle:
 * universe → triggers → proposals → risk → orders → execution → one audit record.
 * This is the only place that sequences stages and does I/O around them.
 */
export class TradingLoop {
  readonly config: LoadedConfig;
  /** 16 hex chars over policy + signals + universe, computed once from the parsed bytes. */
  readonly configHash: string;
  readonly log: Logger;
  readonly mode: RunMode;
  readonly clock: Clock;
  readonly logDir: string;
  readonly dataDir: string;
  readonly auditFile: string;
  readonly intervalMs: number;
  readonly metrics: TraderMetrics;

  private readonly market: MarketData;
  /** LIVE only: the order side of the market. DRY_RUN and PAPER never hold one. */
  private readonly venue?: LiveVenue;
  /** LIVE only: unknown-order resolution, fill booking, reconciliation, cancel on shutdown. */
  private live?: LiveSession;
  /** The loopback test venue the exchange was pointed at (TRADER_CCXT_URL_OVERRIDE), if any. */
  private readonly urlOverride?: string;
  private readonly acceptReconcile: boolean;
  private readonly ownsMarket: boolean;
  private readonly drift: ConfigDriftWatcher;
  private readonly killSwitchFile: string;
  private readonly version = codeVersion();
  private lock?: InstanceLock;
  private audit?: AuditLogger;
  private store?: StateStore;
  private executor?: Executor;
  private driftStatus: DriftStatus;
  private auditDown?: { since: string; error: string };
  private previouslyEligible = new Set<string>();
  private cyclesRun = 0;
  private readonly startedAt = Date.now();
  private lastCycleAt: number | null = null;
  private started = false;
  private lastTrading: TradingState = 'ACTIVE';

  constructor(opts: TradingLoopOptions) {
    this.config = loadConfig(opts.configDir, opts.env);
    const app = this.config.app;
    this.log = opts.logger ?? createLogger(app.logging.level);
    this.configHash = this.config.configHash;
    this.log.info(`Configuration hash: ${this.configHash} (policy+signals+universe)`);
    this.mode = opts.mode ?? app.mode;
    this.logDir = resolve(opts.logDir ?? app.logging.dir);
    this.dataDir = resolve(opts.dataDir ?? app.state.dir);
    this.auditFile = join(this.logDir, app.logging.audit_file);
    this.intervalMs = (opts.intervalSeconds ?? app.loop.interval_seconds) * 1000;
    this.clock = opts.clock ?? wallClock;
    // The LIVE gates, before anything is opened or any exchange object holds credentials.
    checkLiveGates(this.config, this.mode);
    const env = opts.env ?? process.env;
    this.urlOverride = app.exchange.name === 'sim' ? undefined : urlOverrideFrom(env);
    this.ownsMarket = opts.market === undefined;
    this.market = opts.market ?? createMarket({ app, mode: this.mode, clock: this.clock, env, logger: this.log, bookSymbols: universeSymbols(this.config.universe.tiers) });
    if (this.mode === 'LIVE') {
      if (!isLiveVenue(this.market)) throw new Error(`LIVE needs a market that takes orders; ${this.market.name} does not`);
      this.venue = this.market;
    }
    this.acceptReconcile = opts.acceptReconcileDifferences === true;
    this.drift = new ConfigDriftWatcher(opts.configDir, this.config.raw, this.configHash);
    this.driftStatus = { drifted: false, onDiskHash: this.configHash, changedFiles: [] };
    this.killSwitchFile = killSwitchPath(this.config.policy.governance.kill_switch_file);
    this.metrics = createMetrics({
      instanceId: app.instance_id,
      mode: this.mode,
      configHash: this.configHash,
      version: this.version.version,
      commit: this.version.commit,
      intervalSeconds: this.intervalMs / 1000,
    });
  }

  /** Takes the instance lock, opens state and the audit log, snapshots the config, writes `startup`. */
  async start(): Promise<void> {
    const app = this.config.app;
    // A real exchange's adapter (and ccxt) loads here, before anything is opened: an unknown exchange id stops startup.
    await marketReady(this.market);
    this.lock = InstanceLock.acquire(this.dataDir);
    try {
      const before = previousRun(this.auditFile, this.logDir);
      this.audit = AuditLogger.open({
        file: this.auditFile,
        // A backtest's log can be regenerated from its inputs: no fsync per record.
        fsync: this.mode === 'BACKTEST' ? 'batch' : app.logging.audit_fsync,
        hmacKey: process.env.TRADER_AUDIT_HMAC_KEY || undefined,
        rotation: { mode: app.logging.rotation.mode, maxBytes: app.logging.rotation.max_mb * 1024 * 1024, compress: app.logging.rotation.compress },
      });
      // A torn last line from a crash was moved aside on open: say so in the trail itself.
      for (const r of this.audit.recovered) this.write('audit_recovered', { quarantine_file: r.quarantineFile, bytes: r.bytes });
      saveSnapshot(this.logDir, this.config);
      this.store = StateStore.open({ dir: this.dataDir, mode: this.mode, startingCashUsd: this.config.policy.sizing.starting_cash_usd });
      const store = this.store;
      if (this.venue) {
        this.live = new LiveSession({ venue: this.venue, store, config: this.config, audit: this.strictSink, record: (f) => this.write('reconcile', f), log: this.log, now: () => this.clock.now() });
      }
      const live = this.live;
      this.executor = createExecutor({
        mode: this.mode,
        store,
        policy: this.config.policy,
        // LIVE only: orders go out write-ahead; fills are booked as the venue reports them.
        ...(this.venue && live && { live: { venue: this.venue, audit: this.strictSink, configHash: this.configHash, cycle: () => store.currentCycle(), onOrderState: (s) => void live.book(s) } }),
      });
      if (this.urlOverride) this.log.warn({ exchange_url_override: this.urlOverride }, 'exchange pointed at a local test venue (TRADER_CCXT_URL_OVERRIDE): not the real exchange');
      const changed = before && before.configHash !== this.configHash;
      this.write('startup', {
        // A virtual-clock run (tests, backtests) must give byte-identical logs: no pid.
        ...(this.clock.kind === 'wall' ? { pid: process.pid } : {}),
        node: process.version,
        version: this.version.version,
        commit: this.version.commit,
        interval_seconds: this.intervalMs / 1000,
        clock: this.clock.kind,
        config_files: this.config.fileHashes,
        previous_config_hash: before?.configHash ?? null,
        changed_files: changed ? before.changedFiles(this.config.fileHashes) : [],
        exchange: this.market.name,
        ...(this.urlOverride && { exchange_url_override: this.urlOverride }),
      });
      if (live) await this.startLive(live);
      this.started = true;
    } catch (e) {
      this.close();
      await this.releaseMarket();
      throw e;
    }
  }

  /** One full cycle. Never throws for a stage failure: the cycle ends NO_TRADE and is recorded. */
  async runCycle(): Promise<CycleRecord> {
    const store = this.requireStarted();
    const timer = new StageTimer();
    const now = this.clock.now();
    const cycle = store.nextCycle();
    this.checkDrift();
    const stages: CycleStages = {};
    let stopped: string | undefined;
    let trading: TradingState = store.halt() ? 'HALTED' : 'ACTIVE';
    let portfolio: PortfolioView | undefined;
    try {
      trading = this.checkKillSwitch(now);
      if (this.live) {
        // LIVE: first learn what became of orders whose fate is unknown (and reconcile when due).
        await timer.async('reconcile', () => this.liveHousekeeping(this.live!, cycle));
        if (this.live.intents().unresolved.length > 0) stopped = 'unresolved_orders';
      }
      const products = await timer.async('market_data', () => this.market.listProducts().catch((e: unknown) => Promise.reject(new DataUnavailable('products', e))));
      const universe = timer.sync('universe', () =>
        selectUniverse({
          universe: this.config.universe,
          policy: this.config.policy,
          products,
          previouslyEligible: this.previouslyEligible,
          bans: store.bans(now),
          now,
        }),
      );
      stages.universe = universe;
      const held = store.positions().map((p) => p.symbol);
      const fetched = await timer.async('candles', () => this.fetchCandles([...universe.assets.map((a) => a.symbol), ...held]));
      // Only books that agree with their own candles (and are listed once) price anything from here on.
      const books = timer.sync('book_check', () => checkBooks({ products, candles: fetched, maxDisagreementPct: this.config.policy.market_data.max_price_disagreement_pct }));
      const eligible = withoutRejected(universe, books.rejected);
      stages.universe = eligible;
      this.previouslyEligible = new Set(eligible.assets.map((a) => a.symbol));
      const snapshot: MarketSnapshot = { now, products: books.products, candles: fetched };
      const pf = store.view(now, marks(snapshot.products));
      portfolio = pf;
      stages.triggers = timer.sync('triggers', () => scanTriggers({ signals: this.config.signals, assets: eligible.assets, snapshot }));
      stages.proposals = timer.sync('proposals', () =>
        makeProposals({
          strategies: this.config.strategies,
          policy: this.config.policy,
          triggers: stages.triggers!.triggers,
          assets: eligible.assets,
          portfolio: pf,
          snapshot,
        }),
      );
      stages.risk = timer.sync('risk', () =>
        assessRisk({ policy: this.config.policy, proposals: stages.proposals!.proposals, portfolio: pf, snapshot, killSwitch: trading === 'HALTED', tradingState: trading }),
      );
      trading = stages.risk.trading;
      const { plan, planned } = timer.sync('orders', () => {
        const plan = planOrders({ policy: this.config.policy, approved: stages.risk!.approved, snapshot, instanceId: this.config.app.instance_id, cycle });
        return { plan, planned: checkOrders({ policy: this.config.policy, orders: plan.orders, snapshot, recentOrders: pf.recentTrades, now }) };
      });
      stages.plannedCount = plan.orders.length;
      stages.acceptedCount = planned.accepted.length;
      const rejections = stages.risk.rejections;
      for (const s of plan.skipped) (rejections[s.symbol] ??= []).push(s.reason);
      for (const r of planned.rejected) (rejections[r.order.symbol] ??= []).push(r.denial);
      let toSend = planned.accepted;
      if (this.live) {
        // LIVE: no entries while an order is unknown; no second order where one is already open.
        const gate = gateLiveOrders(toSend, this.live.intents());
        for (const h of gate.held) (rejections[h.order.symbol] ??= []).push(h.reason);
        if (gate.send.length === 0 && gate.held.length > 0) stopped ??= gate.held[0]!.reason.split(':')[0];
        toSend = gate.send;
      }
      if (toSend.length > 0) {
        if (this.auditDown || !this.writeAheadPaper(toSend, cycle)) stopped = 'audit_unavailable';
        else stages.outcomes = await timer.async('execution', () => this.executor!.execute(toSend, { snapshot, now, cycle }));
      }
      // Fills changed the book: the record shows it after them (most cycles fill nothing).
      if (stages.outcomes?.some((o) => o.success)) portfolio = store.view(now, marks(snapshot.products));
    } catch (e) {
      stopped = e instanceof DataUnavailable ? (isCircuitOpen(e.cause) ? 'circuit_open' : `data_unavailable:${e.what}`) : `exception:${e instanceof Error ? e.name : typeof e}`;
      this.log.error({ err: e, cycle }, 'cycle failed');
    }
    const reason = noTradeReason(stages, stopped);
    portfolio ??= store.view(now, {}); // the cycle stopped before it had market prices
    const record = this.cycleRecord({ cycle, now, stages, reason, trading, portfolio, latencies: timer.latencies });
    this.auditCycle(record);
    this.cyclesRun++;
    this.lastCycleAt = Date.now();
    this.observe(record, trading);
    return record;
  }

  /**
   * Stamps a cycle record with stage_latencies and config_hash (unless the caller set
   * them) and appends it to the audit log.
   */
  auditCycle(payload: Omit<CycleRecord, 'config_hash' | 'stage_latencies'> & Partial<Pick<CycleRecord, 'config_hash' | 'stage_latencies'>>): void {
    const record = { ...payload, stage_latencies: payload.stage_latencies ?? {}, config_hash: payload.config_hash ?? this.configHash };
    this.append(record);
  }

  /** Runs cycles on the schedule until `signal` aborts or `maxCycles` is reached. */
  async run(signal: AbortSignal, opts: { maxCycles?: number } = {}): Promise<void> {
    const random = seededRandom(this.config.app.exchange.sim.seed);
    const jitterMs = this.config.app.loop.jitter_seconds * 1000;
    const t0 = this.clock.now();
    let k = 0;
    while (!signal.aborted) {
      await this.runCycle();
      if (opts.maxCycles !== undefined && this.cyclesRun >= opts.maxCycles) break;
      const slot = nextSlot({ t0, now: this.clock.now(), intervalMs: this.intervalMs, jitterMs: this.clock instanceof VirtualClock ? 0 : jitterMs, k: k + 1, random });
      k = slot.k;
      await this.clock.sleep(slot.at - this.clock.now(), signal);
    }
  }

  /** Writes `shutdown`, flushes and releases everything. Safe to call twice. */
  async stop(reason: string): Promise<void> {
    const cancelled = await this.cancelOnShutdown(reason);
    if (this.audit) this.write('shutdown', { reason, cycles_run: this.cyclesRun, ...cancelled });
    this.metrics.setUp(false);
    const compressing = this.audit?.whenIdle(); // a rotated file being gzip'd is finished, not left to the next start
    this.close();
    await compressing;
    await this.releaseMarket();
  }

  /** Healthy while the last cycle completed within three intervals (wall time). */
  health(): Health {
    return healthFrom({ lastCycleAt: this.lastCycleAt, startedAt: this.startedAt, intervalSeconds: this.intervalMs / 1000, now: Date.now() });
  }

  /** A plain snapshot of what the daemon is doing, for the status page and /api/status. No secrets. */
  status(): DaemonStatus {
    const now = this.clock.now();
    const view = this.store?.view(now, {});
    const halt = this.store?.halt() ?? null;
    return {
      instance_id: this.config.app.instance_id,
      mode: this.mode,
      pid: process.pid,
      code_version: this.version.label,
      started_at: new Date(this.startedAt).toISOString(),
      uptime_seconds: Math.round((Date.now() - this.startedAt) / 1000),
      health: this.health(),
      ready: this.ready(),
      interval_seconds: this.intervalMs / 1000,
      cycles_run: this.cyclesRun,
      last_cycle_at: this.lastCycleAt === null ? null : new Date(this.lastCycleAt).toISOString(),
      config_hash: this.configHash,
      config_hash_on_disk: this.driftStatus.onDiskHash,
      config_drift: this.driftStatus.drifted,
      changed_files: this.driftStatus.changedFiles,
      trading_state: halt ? 'HALTED' : this.lastTrading,
      halt: halt && { reason: halt.reason, by: halt.by, since: new Date(halt.ts).toISOString() },
      kill_switch_file: this.killSwitchFile,
      kill_switch_present: killSwitchPresent(this.killSwitchFile),
      audit_file: this.auditFile,
      audit_writable: this.auditDown === undefined,
      log_dir: this.logDir,
      portfolio: view && {
        cash_usd: round2(view.cashUsd),
        equity_usd: round2(view.equityUsd),
        daily_pnl_usd: round2(view.dailyPnlUsd),
        weekly_pnl_usd: round2(view.weeklyPnlUsd),
        positions: view.positions.map((p) => ({ symbol: p.symbol, quantity: p.quantity, avg_entry_price: p.avgEntryPrice, entry_time: new Date(p.entryTime).toISOString(), tier: p.tier })),
      },
    };
  }

  /** Ready once startup (config, lock, state, audit log, startup record) is done. */
  ready(): boolean {
    return this.started && this.store !== undefined;
  }

  /** Records a fatal error as a `halt` before the process exits non-zero. */
  async halt(e: unknown): Promise<void> {
    if (this.audit) this.write('halt', { reason: 'fatal_error', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }

  /** Re-checks the config files on disk now (SIGHUP) and logs the result. */
  recheckConfig(): DriftStatus {
    const s = this.checkDrift();
    this.log.info({ drifted: s.drifted, config_hash: this.configHash, config_hash_on_disk: s.onDiskHash, changed_files: s.changedFiles }, s.drifted ? 'config on disk differs from the loaded config' : 'config on disk matches the loaded config');
    return s;
  }

  get cycles(): number {
    return this.cyclesRun;
  }

  // ---- internals ------------------------------------------------------------

  private requireStarted(): StateStore {
    if (!this.store || !this.audit) throw new Error('TradingLoop.start() must be called before runCycle()');
    return this.store;
  }

  /** A day of 15m and a week of 1h bars for each symbol (eligible and held). */
  private async fetchCandles(symbols: string[]): Promise<MarketSnapshot['candles']> {
    const candles: Record<string, MarketSnapshot['candles'][string]> = {};
    for (const symbol of new Set(symbols)) {
      try {
        const [m15, h1] = await Promise.all([this.market.fetchCandles(symbol, '15m', M15_BARS), this.market.fetchCandles(symbol, '1h', H1_BARS)]);
        candles[symbol] = { m15, h1 };
      } catch (e) {
        throw new DataUnavailable(`candles:${symbol}`, e);
      }
    }
    return candles;
  }

  private checkDrift(): DriftStatus {
    const s = this.drift.check();
    if (s === this.driftStatus) return s;
    const was = this.driftStatus.drifted;
    this.driftStatus = s;
    this.metrics.setDrift(s.drifted ? s.onDiskHash : null);
    if (s.drifted && !was) {
      this.log.warn({ config_hash: this.configHash, config_hash_on_disk: s.onDiskHash, changed_files: s.changedFiles }, `Configuration drift: files on disk (${s.onDiskHash}) differ from the loaded config (${this.configHash}); still trading on the loaded config until restart`);
    } else if (!s.drifted && was) {
      this.log.info({ config_hash: this.configHash }, 'Configuration drift cleared: files on disk match the loaded config again');
    }
    if (s.drifted !== was || s.drifted) {
      this.write('config_drift', { drifted: s.drifted, config_hash_on_disk: s.onDiskHash, changed_files: s.changedFiles });
    }
    return s;
  }

  /** Latches a halt when the kill switch file appears; honours a pending `resume`. */
  private checkKillSwitch(now: number): TradingState {
    const store = this.store!;
    // A backtest replays history: the live daemon's kill switch file is not about it.
    if (this.mode === 'BACKTEST') return 'ACTIVE';
    const present = killSwitchPresent(this.killSwitchFile);
    const halt = store.halt();
    if (present && !halt) {
      store.setHalt({ reason: 'kill_switch', by: 'kill_switch_file', ts: now });
      this.log.warn({ file: this.killSwitchFile }, 'Kill switch file present: trading HALTED (latched until `resume --by NAME`)');
      this.write('halt', { reason: 'kill_switch', kill_switch_file: this.killSwitchFile });
      return 'HALTED';
    }
    if (halt) {
      const request = takeResumeRequest(this.dataDir);
      if (request && !present) {
        store.setHalt(null);
        this.log.warn({ by: request.by }, 'Trading resumed');
        this.write('resume', { by: request.by, halted_since: new Date(halt.ts).toISOString(), halt_reason: halt.reason });
        return 'ACTIVE';
      }
      return 'HALTED';
    }
    return 'ACTIVE';
  }

  private cycleRecord(c: {
    cycle: number;
    now: number;
    stages: CycleStages;
    reason: string | null;
    trading: TradingState;
    portfolio: ReturnType<StateStore['view']>;
    latencies: Record<string, number>;
  }): CycleRecord {
    const { stages: s, portfolio: p } = c;
    const outcomes: OrderOutcome[] = s.outcomes ?? [];
    return {
      ...this.base('cycle', c.now),
      cycle: c.cycle,
      status: cycleStatus(c.reason),
      no_trade_reason: c.reason,
      trading_state: c.trading,
      stage_latencies: c.latencies,
      pnl: {
        daily_usd: round2(p.dailyPnlUsd),
        weekly_usd: round2(p.weeklyPnlUsd),
        open_positions: p.positions.length,
        consecutive_losses: p.consecutiveLosses,
        equity_usd: round2(p.equityUsd),
        cash_usd: round2(p.cashUsd),
      },
      universe: s.universe
        ? {
            total_eligible: s.universe.totalEligible,
            tier_1: s.universe.byTier.tier_1.length,
            tier_2: s.universe.byTier.tier_2.length,
            tier_3: s.universe.byTier.tier_3.length,
            excluded: s.universe.excluded,
          }
        : null,
      triggers: s.triggers
        ? {
            count: s.triggers.triggers.length,
            regime: s.triggers.regime,
            top_3: s.triggers.triggers.slice(0, 3).map((t) => ({ symbol: t.symbol, type: t.type, strength: round3(t.strength) })),
            skipped: s.triggers.skipped,
          }
        : null,
      proposals: {
        base_count: s.proposals?.proposals.length ?? 0,
        risk_approved_count: s.risk?.approved.length ?? 0,
        final_executed_count: executedCount(s),
      },
      risk_violations: s.risk?.violations ?? [],
      proposal_rejections: { ...(s.proposals?.rejections ?? {}), ...(s.risk?.rejections ?? {}) },
      orders: outcomes,
    };
  }

  private base<E extends AuditEvent>(event: E, now = this.clock.now()) {
    return {
      timestamp: new Date(now).toISOString(),
      event,
      instance_id: this.config.app.instance_id,
      mode: this.mode,
      config_hash: this.configHash,
      ...(this.driftStatus.drifted ? { config_hash_on_disk: this.driftStatus.onDiskHash } : {}),
      code_version: this.version.label,
    };
  }

  /** A lifecycle record (startup, shutdown, halt, …), stamped like every other. */
  private write(event: Exclude<AuditEvent, 'cycle'>, fields: Record<string, unknown>): void {
    this.append({ ...this.base(event), ...fields });
  }

  /**
   * Appends one record. A failed write halts order flow (auditDown) until a later
   * write succeeds; the halt and the resume are then recorded.
   */
  private append(record: Record<string, unknown>): void {
    const audit = this.audit;
    if (!audit) throw new Error('audit log is not open');
    if (this.auditDown) {
      const down = this.auditDown;
      try {
        audit.append({ ...this.base('halt'), reason: 'audit_write_failed', since: down.since, error: down.error });
        audit.append({ ...this.base('resume'), by: 'audit_writer', reason: 'audit_write_recovered', halted_since: down.since });
        this.auditDown = undefined;
        this.log.warn({ since: down.since }, 'Audit log writable again: order flow resumed');
      } catch {
        return;
      }
    }
    try {
      audit.append(record);
      this.metrics.auditWritten();
    } catch (e) {
      if (!(e instanceof AuditWriteError)) throw e;
      this.metrics.auditWriteFailed();
      this.auditDown = { since: new Date(this.clock.now()).toISOString(), error: e.message };
      this.log.error({ err: e.message, file: this.auditFile }, 'Audit log write failed: no order will be sent until it is writable again');
    }
  }

  /**
   * The audit sink for LIVE order records (order_intent, order_outcome, order_unknown): stamped like
   * every record, and throwing when the record did not reach the log, so that no order is sent
   * without its intent on disk. `append` itself swallows the failure (the loop carries on, auditDown).
   */
  private readonly strictSink: AuditSink = (r) => {
    this.append({ ...this.base(r.event as Exclude<AuditEvent, 'cycle'>), ...r });
    if (this.auditDown) throw new Error(`audit log not writable: ${this.auditDown.error}`);
  };

  /**
   * PAPER books fills at once, before the cycle record exists: an `order_intent` record goes
   * first, so a disk that fills mid-cycle cannot leave a fill the trail never mentions. (LIVE
   * writes its own intents around each send; DRY_RUN sends nothing; a backtest is regenerable.)
   */
  private writeAheadPaper(orders: readonly PlannedOrder[], cycle: number): boolean {
    if (this.mode !== 'PAPER') return true;
    try {
      for (const o of orders) {
        this.strictSink({ event: 'order_intent', client_order_id: o.clientOrderId, symbol: o.symbol, side: o.side, quantity: o.quantity, price: o.limitPrice ?? null, cycle });
      }
      return true;
    } catch {
      return false;
    }
  }

  /** ccxt keeps HTTP connections alive (they would hold the process open); a market we built is ours to release. */
  private async releaseMarket(): Promise<void> {
    if (this.ownsMarket) await (this.market as { close?: () => Promise<void> }).close?.().catch(() => undefined);
  }

  /** LIVE startup: resolve unknown orders, then reconcile; a difference stops startup unless accepted. */
  private async startLive(live: LiveSession): Promise<void> {
    await live.resolve();
    let outcome: Awaited<ReturnType<LiveSession['reconcile']>>;
    try {
      outcome = await live.reconcile({ trigger: 'startup', accept: this.acceptReconcile });
    } catch (e) {
      throw new ReconcileRefused(`LIVE startup refused: cannot reconcile with the exchange: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (outcome.refused) throw new ReconcileRefused(refusalMessage(outcome.differences, this.auditFile));
  }

  /** LIVE, each cycle before anything is proposed: resolve unknown orders; reconcile when due. */
  private async liveHousekeeping(live: LiveSession, cycle: number): Promise<void> {
    await live.resolve();
    const due = live.due(cycle);
    if (!due) return;
    try {
      await live.reconcile({ trigger: due, cycle });
    } catch (e) {
      // Recorded by reconcile; the cycle goes on (its market reads say whether the venue is up).
      this.log.warn({ cycle, err: e instanceof Error ? e.message : String(e) }, 'reconciliation failed; tried again when next due');
    }
  }

  /** LIVE with execution.cancel_open_orders_on_shutdown: cancels our open orders; the fields go on the shutdown record. */
  private async cancelOnShutdown(reason: string): Promise<Record<string, unknown>> {
    if (!this.live || !this.store || reason === 'startup_failed' || !this.config.policy.execution.cancel_open_orders_on_shutdown) return {};
    try {
      const r = await this.live.cancelOpen();
      if (r.cancelled.length || r.failed.length) this.log.info({ cancelled: r.cancelled, failed: r.failed }, 'open orders cancelled on shutdown');
      return { open_orders_cancelled: r.cancelled, cancel_failed: r.failed };
    } catch (e) {
      return { open_orders_cancelled: [], cancel_failed: [e instanceof Error ? e.message : String(e)] };
    }
  }

  private observe(record: CycleRecord, trading: TradingState): void {
    this.metrics.observeCycle({
      status: record.status,
      noTradeReason: record.no_trade_reason,
      seconds: Object.values(record.stage_latencies).reduce((a, b) => a + b, 0),
      stageLatencies: record.stage_latencies,
      orders: record.orders.map((o) => ({ side: o.side, outcome: o.status })),
      at: new Date(),
    });
    this.lastTrading = trading;
    this.metrics.setTradingState(trading);
    this.metrics.setKillSwitch(this.store?.halt()?.reason === 'kill_switch');
  }

  private close(): void {
    this.store?.close();
    this.audit?.close();
    this.lock?.release();
    this.store = undefined;
    this.audit = undefined;
    this.lock = undefined;
  }
}

/** What `TradingLoop.status()` returns (JSON-ready). */
export interface DaemonStatus {
  instance_id: string;
  mode: RunMode;
  pid: number;
  code_version: string;
  started_at: string;
  uptime_seconds: number;
  health: Health;
  ready: boolean;
  interval_seconds: number;
  cycles_run: number;
  last_cycle_at: string | null;
  config_hash: string;
  config_hash_on_disk: string;
  config_drift: boolean;
  changed_files: string[];
  trading_state: TradingState;
  halt: { reason: string; by: string; since: string } | null;
  kill_switch_file: string;
  kill_switch_present: boolean;
  audit_file: string;
  audit_writable: boolean;
  log_dir: string;
  portfolio:
    | {
        cash_usd: number;
        equity_usd: number;
        daily_pnl_usd: number;
        weekly_pnl_usd: number;
        positions: { symbol: string; quantity: number; avg_entry_price: number; entry_time: string; tier: string }[];
      }
    | undefined;
}

/** A market read failed; the cycle is recorded as `data_unavailable:<what>`. */
export class DataUnavailable extends Error {
  constructor(
    readonly what: string,
    cause: unknown,
  ) {
    super(`data unavailable: ${what}`, { cause });
    this.name = 'DataUnavailable';
  }
}

const isCircuitOpen = (e: unknown): boolean => e instanceof ExchangeError && e.kind === 'circuit_open';
const marks = (products: readonly Product[]): Record<string, number> => Object.fromEntries(products.map((p) => [p.symbol, p.bid]));
const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
