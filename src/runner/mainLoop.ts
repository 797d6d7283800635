// src/runner/: the daemon — the loop that sequences the stages (this file) and the I/O around them (market reads,
// records, state, LIVE duties, lock, signals). Must not: decide a trade itself; decisions are core/'s stages.
/**
 * The daemon: TradingLoop. Loads and fingerprints the configuration once, then each cycle:
 * universe → triggers → proposals → risk → orders → execution → one audit record.
 * This is the only place that sequences stages; the I/O around them sits at the edges of runCycle
 * (market reads, execution, the record). Work that is not the cycle lives beside it: LIVE-only
 * duties (liveDuties.ts), stamping and appending records (auditChannel.ts), drift (driftReport.ts),
 * the kill switch (killSwitch.ts), PAPER's write-ahead (paperWriteAhead.ts), the CLI's control
 * requests (filedRequests.ts; the API's go through control()), notifications (loopNotices.ts); the
 * status page builds its snapshot from state() in src/status/daemon.ts.
 */
import { resolve, join } from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { RunMode } from '../config/schema/app.ts';
import { ConfigDriftWatcher, type DriftStatus } from '../config/drift.ts';
import { saveSnapshot } from '../config/snapshots.ts';
import { AuditLogger } from '../audit/writer.ts';
import { loadSigningKey, SIGNING_KEY_ENV } from '../audit/digestKey.ts';
import type { CycleRecord } from '../core/auditRecord.ts';
import { selectUniverse } from '../core/universe.ts';
import { checkBooks, withoutRejected } from '../core/bookCheck.ts';
import { scanTriggers } from '../core/triggers.ts';
import { makeProposals } from '../core/proposals.ts';
import { assessRisk } from '../core/risk.ts';
import type { MarketSnapshot, PlannedOrder, PortfolioView, TradingState } from '../core/types.ts';
import { ControlDesk, ControlRefused, type ControlResult } from '../control/desk.ts';
import type { ControlRequest } from '../control/body.ts';
import type { MarketData, Product, Side } from '../exchange/types.ts';
import { clientOrderId } from '../core/orders.ts';
import { productsBySymbol } from '../core/productIndex.ts';
import { createMarket, marketReady, universeSymbols, urlOverrideFrom } from '../exchange/index.ts';
import { newIdNonce } from '../execution/idNonce.ts';
import type { Executor } from '../execution/types.ts';
import { createExecutor } from '../execution/index.ts';
import { fillModelParams } from '../execution/fillParams.ts';
import { StateStore } from '../state/store.ts';
import type { FillRow } from '../state/types.ts';
import { createLogger, type Logger } from '../log.ts';
import { createMetrics, unscrapedMetrics, type TraderMetrics } from '../metrics/registry.ts';
import { healthFrom, type Health } from '../metrics/health.ts';
import { AuditChannel } from './auditChannel.ts';
import { AuditDigests } from './auditDigests.ts';
import { wallClock, VirtualClock, type Clock } from './clock.ts';
import { noTradeReason, type CycleStages } from './cycleOutcome.ts';
import { buildCycleRecord } from './cycleRecord.ts';
import { DriftReport } from './driftReport.ts';
import { applyFiledRequests } from './filedRequests.ts';
import { checkKillSwitch, killSwitchPath, killSwitchPresent, type KillSwitchCheck } from './killSwitch.ts';
import { InstanceLock } from './lock.ts';
import { checkLiveGates } from './liveGates.ts';
import { LiveDuties } from './liveDuties.ts';
import type { LoopState } from './loopState.ts';
import { loopNotices, type LoopNotices } from './loopNotices.ts';
import { fetchCandles, fetchProducts, marks, stopReason } from './marketReads.ts';
import { orderStage } from './orderStage.ts';
import { writeAheadPaper } from './paperWriteAhead.ts';
import { gateResting, withOpenOrders } from './paperBook.ts';
import { nextSlot, seededRandom } from './schedule.ts';
import { StageTimer } from './stageTimer.ts';
import { previousRun } from './previousRun.ts';
import { isLiveVenue, type LiveVenue } from './reconcileStep.ts';
import { codeVersion } from './version.ts';

/** Cycles between two checks of the config files for drift in a backtest (every cycle otherwise; a stat per file each time). */
const BACKTEST_DRIFT_EVERY = 64;

/** Options of TradingLoop. */
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

/** The daemon: startup, one cycle at a time on a schedule, shutdown. */
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
  /** LIVE only: unknown-order resolution, fill booking, reconciliation, gating, cancel on shutdown. */
  private live?: LiveDuties;
  /** The last product list (LIVE: tells dust from a sellable remainder when fills are booked; indexed on demand). */
  private lastProducts: readonly Product[] = [];
  /** The loopback test venue the exchange was pointed at (TRADER_CCXT_URL_OVERRIDE), if any. */
  private readonly urlOverride?: string;
  private readonly acceptReconcile: boolean;
  private readonly ownsMarket: boolean;
  private readonly drift: DriftReport;
  /** Stamps records and turns a failed write into a halt of order flow. */
  private readonly records: AuditChannel;
  /** Signed digests, with TRADER_AUDIT_SIGNING_KEY (a bad key stops the constructor: exit 2). */
  private readonly digests?: AuditDigests;
  private readonly killSwitch: Omit<KillSwitchCheck, 'store' | 'now'>;
  /** Webhook notifications (app.yaml notifications); never in a backtest. */
  private readonly notices?: LoopNotices;
  /** Operator actions (control API, CLI requests), each recorded before it takes effect. */
  private desk?: ControlDesk;
  private readonly version = codeVersion();
  private lock?: InstanceLock;
  private audit?: AuditLogger;
  private store?: StateStore;
  private executor?: Executor;
  private previouslyEligible = new Set<string>();
  private cyclesRun = 0;
  private readonly startedAt = Date.now();
  private lastCycleAt: number | null = null;
  private started = false;
  private lastTrading: TradingState = 'ACTIVE';
  private lastMarks: Record<string, number> = {};
  /** How the portfolio view measures drawdown (policy.risk.max_drawdown_window_days). */
  private readonly viewOpts: { drawdownWindowDays: number };

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
    this.metrics =
      this.mode === 'BACKTEST'
        ? unscrapedMetrics()
        : createMetrics({
            instanceId: app.instance_id,
            mode: this.mode,
            configHash: this.configHash,
            version: this.version.version,
            commit: this.version.commit,
            intervalSeconds: this.intervalMs / 1000,
          });
    const write = this.write;
    const notices = (this.notices = loopNotices({ app, mode: this.mode, configHash: this.configHash, log: this.log, metrics: this.metrics, store: () => this.store }));
    this.drift = new DriftReport({ watcher: new ConfigDriftWatcher(opts.configDir, this.config.raw, this.configHash), configHash: this.configHash, metrics: this.metrics, log: this.log, write });
    this.records = new AuditChannel({ instanceId: app.instance_id, mode: this.mode, configHash: this.configHash, codeVersion: this.version.label, clock: this.clock, metrics: this.metrics, log: this.log, onDiskHash: this.drift.onDiskHash, onWritten: (r) => notices?.written(r), onDown: (d, file) => notices?.auditDown(d, file), afterAppend: () => this.digests?.afterAppend() });
    const signingKey = env[SIGNING_KEY_ENV];
    if (signingKey) {
      this.digests = new AuditDigests({ key: loadSigningKey(signingKey), instanceId: app.instance_id, intervalMs: app.logging.digest_interval_minutes * 60_000, clock: this.clock, log: this.log, write: (f) => this.write('digest', f) });
    }
    this.killSwitch = { mode: this.mode, file: killSwitchPath(this.config.policy.governance.kill_switch_file), log: this.log, write };
    this.viewOpts = { drawdownWindowDays: this.config.policy.risk.max_drawdown_window_days };
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
        // A backtest's log can be regenerated from its inputs (an interrupted run leaves nothing): no
        // fsync per record, and the one fsync and head update when it closes; lines written 64 KB at a
        // time (a write per record was 0.1-0.2 s of the year-long backtest benchmark), unless digests
        // are signed as it goes (they describe what is on disk).
        fsync: this.mode === 'BACKTEST' ? 'batch' : app.logging.audit_fsync,
        ...(this.mode === 'BACKTEST' && { batchRecords: Number.POSITIVE_INFINITY, batchMs: Number.POSITIVE_INFINITY, ...(!this.digests && { bufferBytes: 1 << 16 }) }),
        hmacKey: process.env.TRADER_AUDIT_HMAC_KEY || undefined,
        rotation: { mode: app.logging.rotation.mode, maxBytes: app.logging.rotation.max_mb * 1024 * 1024, compress: app.logging.rotation.compress },
        headTime: () => this.clock.now(),
        onRotated: (closed) => this.digests?.rotated(closed),
      });
      this.records.attach(this.audit);
      this.metrics.setAuditHead(this.audit.head.seq, this.audit.head.chain);
      this.digests?.open(this.audit);
      // A torn last line from a crash was moved aside on open: say so in the trail itself.
      for (const r of this.audit.recovered) this.write('audit_recovered', { quarantine_file: r.quarantineFile, bytes: r.bytes });
      saveSnapshot(this.logDir, this.config, { now: new Date(this.clock.now()), code: { code_hash: this.version.code.hash, code_version: this.version.label } });
      const store = (this.store = StateStore.open({ dir: this.dataDir, mode: this.mode, startingCashUsd: this.config.policy.sizing.starting_cash_usd }));
      this.desk = new ControlDesk({ store, record: (event, fields) => this.records.writeStrict(event, fields), killSwitchPresent: () => killSwitchPresent(this.killSwitch.file), now: () => this.clock.now() });
      if (this.venue) {
        const now = () => this.clock.now();
        this.live = new LiveDuties({ venue: this.venue, store, config: this.config, configHash: this.configHash, audit: this.records.strictSink, record: (f) => this.write('reconcile', f), event: (name, f) => this.write(name, f), instanceId: app.instance_id, rules: (sym) => productsBySymbol(this.lastProducts).get(sym), log: this.log, now, acceptReconcile: this.acceptReconcile, auditFile: this.auditFile });
      }
      const live = this.live;
      this.executor = createExecutor({ mode: this.mode, store, policy: this.config.policy, market: this.market, ...(live && { live: live.executorOptions() }) });
      if (this.urlOverride) this.log.warn({ exchange_url_override: this.urlOverride }, 'exchange pointed at a local test venue (TRADER_CCXT_URL_OVERRIDE): not the real exchange');
      const changed = before && before.configHash !== this.configHash;
      this.write('startup', {
        // A virtual-clock run (tests, backtests) must give byte-identical logs: no pid.
        ...(this.clock.kind === 'wall' ? { pid: process.pid } : {}),
        node: process.version,
        version: this.version.version,
        commit: this.version.commit,
        // The exact code: sha256 of the running sources and package files (recipe in runner/codeHash.ts).
        code_hash: this.version.code.hash,
        code_dir: this.version.code.dir,
        interval_seconds: this.intervalMs / 1000,
        clock: this.clock.kind,
        config_files: this.config.fileHashes,
        previous_config_hash: before?.configHash ?? null,
        changed_files: changed ? before.changedFiles(this.config.fileHashes) : [],
        exchange: this.market.name,
        ...(this.urlOverride && { exchange_url_override: this.urlOverride }),
        // The other app.yaml values that can shape what happens (mode, instance_id and the interval are
        // stamped above and on every record): the sim market's seed, and the schedule's jitter.
        ...(app.exchange.name === 'sim' && { sim_seed: app.exchange.sim.seed }),
        jitter_seconds: app.loop.jitter_seconds, // applied on the wall clock only (clock: virtual runs back to back)
        ...((this.mode === 'PAPER' || this.mode === 'BACKTEST') && { fill_model: fillModelParams(this.config.policy) }),
      });
      if (live) await live.start();
      this.started = true;
    } catch (e) {
      await this.close();
      await this.releaseMarket();
      throw e;
    }
  }

  /** One full cycle. Never throws for a stage failure: the cycle ends NO_TRADE and is recorded. */
  async runCycle(): Promise<CycleRecord> {
    const store = this.requireStarted();
    const { policy, signals, app } = this.config;
    const strategies = signals.strategies;
    const timer = new StageTimer();
    const now = this.clock.now();
    const cycle = store.nextCycle();
    // A backtest runs a thousand cycles a second: it looks at the files every BACKTEST_DRIFT_EVERY cycles.
    if (this.mode !== 'BACKTEST' || this.cyclesRun % BACKTEST_DRIFT_EVERY === 0) this.drift.check();
    const s: CycleStages = {};
    let stopped: string | undefined;
    let trading: TradingState = store.halt() ? 'HALTED' : 'ACTIVE';
    let portfolio: PortfolioView | undefined;
    try {
      applyFiledRequests({ mode: this.mode, dataDir: this.dataDir, desk: this.desk!, log: this.log, write: this.write });
      trading = checkKillSwitch({ ...this.killSwitch, store, now });
      // A latched reconcile hold reduces (the risk stage denies entries: RECONCILE_DIFFERENCE), it does not halt exits.
      if (this.live?.hold() && !killSwitchPresent(this.killSwitch.file)) trading = 'ACTIVE';
      if (this.live) stopped = await timer.async('reconcile', () => this.live!.housekeeping(cycle)); // LIVE: first learn what became of unknown orders
      const products = await timer.async('market_data', () => fetchProducts(this.market));
      this.lastProducts = products;
      const universe = (s.universe = timer.sync('universe', () => selectUniverse({ universe: this.config.universe, policy, products, previouslyEligible: this.previouslyEligible, bans: store.bans(now), now })));
      const executor = this.executor!;
      const resting = executor.openOrders?.() ?? [];
      // Held symbols and those with resting orders get candles too, so the book check covers every book a fill may use.
      const held = [...store.positions().map((p) => p.symbol), ...resting.map((o) => o.symbol)];
      const candles = await timer.async('candles', () => fetchCandles(this.market, [...universe.assets.map((a) => a.symbol), ...held], now));
      // Only books that agree with their own candles (and are listed once) price anything from here on.
      const books = timer.sync('book_check', () => checkBooks({ products, candles, maxDisagreementPct: policy.market_data.max_price_disagreement_pct }));
      // PAPER/BACKTEST: what the market since the last cycle did to resting orders and held positions'
      // stops and targets, on books that passed the check (a spoilt listing fills nothing).
      if (executor.settle) {
        const writeAhead = (o: PlannedOrder) => writeAheadPaper(this.mode, this.records.strictSink, [o], cycle);
        const orderId = (symbol: string, side: Side) => clientOrderId(app.instance_id, cycle, symbol, side);
        const settled = await timer.async('fills', () => executor.settle!({ now, products: books.products, candles, writeAhead, orderId }));
        if (settled.length > 0) s.outcomes = settled;
      }
      const eligible = (s.universe = withoutRejected(universe, books.rejected));
      this.previouslyEligible = new Set(eligible.assets.map((a) => a.symbol));
      const snapshot: MarketSnapshot = { now, products: books.products, candles };
      const pf = (portfolio = withOpenOrders(store.view(now, (this.lastMarks = marks(snapshot.products)), this.viewOpts), executor.openOrders?.() ?? []));
      const triggers = (s.triggers = timer.sync('triggers', () => scanTriggers({ signals, assets: eligible.assets, snapshot })));
      const proposals = (s.proposals = timer.sync('proposals', () => makeProposals({ strategies, policy, triggers: triggers.triggers, assets: eligible.assets, portfolio: pf, snapshot, operatorExits: this.desk!.pendingExits() })));
      const risk = (s.risk = timer.sync('risk', () => assessRisk({ policy, strategies, proposals: proposals.proposals, portfolio: pf, snapshot, killSwitch: trading === 'HALTED', tradingState: trading, reconcileHold: this.live?.hold() })));
      trading = risk.trading;
      const orders = timer.sync('orders', () => orderStage({ policy, approved: risk.approved, snapshot, instanceId: app.instance_id, cycle, ...(this.live && { idNonce: newIdNonce() }), recentOrders: pf.recentTrades, now, rejections: risk.rejections }));
      s.plannedCount = orders.plannedCount;
      s.acceptedCount = orders.accepted.length;
      const gated = this.live ? this.live.gate(orders.accepted, risk.rejections) : gateResting(orders.accepted, executor.openOrders?.() ?? [], risk.rejections);
      stopped ??= gated.stopped;
      if (gated.send.length > 0) {
        if (this.records.down || !writeAheadPaper(this.mode, this.records.strictSink, gated.send, cycle)) stopped = 'audit_unavailable';
        else s.outcomes = [...(s.outcomes ?? []), ...(await timer.async('execution', () => executor.execute(gated.send, { snapshot, now, cycle })))];
      }
      // LIVE: every held position (a new entry's filled part too) gets its stop on the venue; HALTED sends nothing new.
      if (this.live && trading !== 'HALTED') await this.live.protect(cycle);
      // Fills changed the book: the record shows it after them (most cycles fill nothing).
      if (s.outcomes?.some((o) => o.success)) portfolio = store.view(now, this.lastMarks, this.viewOpts);
    } catch (e) {
      stopped = stopReason(e);
      this.log.error({ err: e, cycle }, 'cycle failed');
    }
    this.desk!.prune();
    const reason = noTradeReason(s, stopped);
    portfolio ??= store.view(now, {}, this.viewOpts); // the cycle stopped before it had market prices
    const record = buildCycleRecord({ base: this.records.base('cycle', now), cycle, stages: s, reason, trading, portfolio, latencies: timer.latencies });
    this.auditCycle(record);
    this.notices?.dailySummary(now, portfolio);
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
    this.records.append(record);
  }

  /** Records and applies an operator's action (control API); throws ControlRefused when it is not accepted. */
  control(req: ControlRequest): ControlResult {
    if (!this.desk) throw new ControlRefused('audit_unavailable', 503, 'the daemon is not started');
    return this.desk.apply(req);
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
    const cancelled = this.live && this.store ? await this.live.cancelOnShutdown(reason) : {};
    if (this.audit) this.write('shutdown', { reason, cycles_run: this.cyclesRun, ...cancelled });
    this.digests?.afterAppend('shutdown');
    await this.notices?.close();
    this.metrics.setUp(false);
    await this.close();
    await this.releaseMarket();
  }

  /** Healthy while the last cycle completed within three intervals (wall time). */
  health(): Health {
    return healthFrom({ lastCycleAt: this.lastCycleAt, startedAt: this.startedAt, intervalSeconds: this.intervalMs / 1000, now: Date.now() });
  }

  /** What the loop is doing now, for the status page (src/status/daemon.ts) and /api/status. No secrets. */
  state(): LoopState {
    return {
      instanceId: this.config.app.instance_id,
      mode: this.mode,
      codeVersion: this.version.label,
      startedAt: this.startedAt,
      health: this.health(),
      ready: this.ready(),
      intervalSeconds: this.intervalMs / 1000,
      cyclesRun: this.cyclesRun,
      lastCycleAt: this.lastCycleAt,
      configHash: this.configHash,
      drift: this.drift.status,
      lastTrading: this.lastTrading,
      halt: this.store?.halt() ?? null,
      killSwitchFile: this.killSwitch.file,
      auditFile: this.auditFile,
      auditWritable: this.records.down === undefined,
      auditSeq: this.audit?.head.seq ?? null,
      lastDigest: this.digests ? this.digests.last : 'off',
      lastWitnessed: this.metrics.lastServedAuditSeq(),
      logDir: this.logDir,
      portfolio: this.store?.view(this.clock.now(), this.lastMarks),
      marks: this.lastMarks,
    };
  }

  /** The last `limit` fills of the book, oldest first (status page). */
  recentFills(limit: number): FillRow[] {
    return this.store?.listFills(0).slice(-limit) ?? [];
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
    const s = this.drift.check();
    this.log.info({ drifted: s.drifted, config_hash: this.configHash, config_hash_on_disk: s.onDiskHash, changed_files: s.changedFiles }, s.drifted ? 'config on disk differs from the loaded config' : 'config on disk matches the loaded config');
    return s;
  }

  /** Cycles run since this loop started. */
  get cycles(): number {
    return this.cyclesRun;
  }

  // ---- internals ------------------------------------------------------------

  private requireStarted(): StateStore {
    if (!this.store || !this.audit) throw new Error('TradingLoop.start() must be called before runCycle()');
    return this.store;
  }

  /** A lifecycle record (startup, shutdown, halt, …), stamped like every other. */
  private readonly write: AuditChannel['write'] = (event, fields) => this.records.write(event, fields);

  /** ccxt keeps HTTP connections alive (they would hold the process open); a market we built is ours to release. */
  private async releaseMarket(): Promise<void> {
    if (this.ownsMarket) await (this.market as { close?: () => Promise<void> }).close?.().catch(() => undefined);
  }

  private observe(record: CycleRecord, trading: TradingState): void {
    // A backtest's metrics are dropped (unscrapedMetrics): its cycles are not summarized for them.
    if (this.mode !== 'BACKTEST') this.metrics.observeCycle({
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

  /** Closes state and the audit log (waiting for a rotated file's gzip), then releases the instance lock. */
  private async close(): Promise<void> {
    const audit = this.audit;
    this.store?.close();
    this.store = undefined;
    this.desk = undefined;
    this.records.attach(undefined);
    this.digests?.close();
    this.audit = undefined;
    audit?.close();
    await audit?.whenIdle(); // a rotated file being gzip'd is finished before the lock goes, not left to the next start
    this.lock?.release();
    this.lock = undefined;
  }
}
