/** Shared set-up for the LIVE suites: a test config for the fake Coinbase, credentials, daemons, records. */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { CLI, ROOT, clockEnv, copyConfig, tempDir } from '../helpers/cli.ts';
import type { CycleRecord } from '../../src/core/auditRecord.ts';
import { createCcxtExchange, type CcxtExchange, type CcxtExchangeOptions } from '../../src/exchange/ccxt/adapter.ts';
import { silentLogger } from '../../src/log.ts';
import { VirtualClock } from '../../src/runner/clock.ts';
import { TradingLoop } from '../../src/runner/mainLoop.ts';
import { StateStore } from '../../src/state/store.ts';
import type { StoreMode } from '../../src/state/types.ts';
import { fakeProduct, startFakeCoinbase, type FakeCoinbase, type FakeCoinbaseOptions, type FakeProduct } from '../fakes/fakeCoinbase.ts';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
/** A fresh EC key per test run, as Coinbase CDP keys are: the secret is a PEM. */
export const SECRET = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
export const PUBLIC = publicKey.export({ type: 'spki', format: 'pem' }).toString();
export const API_KEY = 'organizations/live-test-org/apiKeys/5f0e2b9c-live-test-key';
/** Every string that must never be printed: the key, the PEM, and each PEM body line. */
export const SECRET_STRINGS = [API_KEY, SECRET, ...SECRET.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'))];

/** The environment that satisfies the credentials gate (app.yaml references these variables). */
export const CREDENTIALS_ENV = { COINBASE_API_KEY: API_KEY, COINBASE_API_SECRET: SECRET };

/**
 * Liquid products whose volume clears every tier floor of the shipped universe (the fake's defaults do
 * not). Base increments of 1e-8 everywhere, so the fake's partial fills stay close to the grid.
 */
export function liquidProducts(): FakeProduct[] {
  const p = (id: string, price: number, spread: number, volume: number, extra: Partial<FakeProduct> = {}) => fakeProduct(id, price, spread, { volume_24h: volume, ...extra });
  return [
    p('BTC-USD', 50_000, 20, 10_000),
    p('ETH-USD', 3_000, 1, 100_000),
    p('SOL-USD', 150, 0.1, 1_000_000, { price_increment: '0.001' }),
    p('ADA-USD', 1, 0.001, 100_000_000, { price_increment: '0.0001' }),
  ];
}

/** Fills every resting order of ours on the fake at its limit (the book sweeps through it), then restores the book. */
export function sweepBook(fake: FakeCoinbase): void {
  for (const p of [...fake.state.products.values()]) {
    const book = { bid: p.bid, ask: p.ask, price: p.price };
    fake.setBook(p.product_id, { bid: book.price * 10, ask: book.price * 10 + 1 }); // through every resting sell
    fake.setBook(p.product_id, { bid: book.price / 100, ask: book.price / 100 + 0.0001 }); // through every resting buy
    fake.setBook(p.product_id, book);
  }
}

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Edits one YAML file of a config directory through a function over its parsed document. */
export function editYaml(dir: string, file: string, edit: (d: Doc) => void): void {
  const path = join(dir, file);
  const doc = load(readFileSync(path, 'utf8')) as Doc;
  edit(doc);
  writeFileSync(path, dump(doc, { lineWidth: 200 }));
}

/**
 * A copy of config/ for the fake venue: exchange coinbase, live trading enabled, thresholds low
 * enough that the fake's gentle candles trigger entries, exits tight enough that positions close,
 * risk limits that let a trade through most cycles. `edit` adjusts it further.
 */
export function liveTestConfig(root: string, o: { orderType?: 'limit' | 'limit_post_only'; edit?: (dir: string) => void } = {}): string {
  const dir = copyConfig(root);
  editYaml(dir, 'app.yaml', (d) => {
    d.exchange.name = 'coinbase';
    d.loop.jitter_seconds = 0;
    d.monitoring.enabled = false;
  });
  editYaml(dir, 'policy.yaml', (d) => {
    d.governance.live_trading_enabled = true;
    d.governance.kill_switch_file = join(root, 'KILL_SWITCH');
    Object.assign(d.risk, {
      max_total_at_risk_pct: 60,
      max_per_asset_pct: 25,
      max_per_cluster_pct: 50,
      max_new_positions_per_cycle: 3,
      daily_stop_loss_pct: 50,
      weekly_stop_loss_pct: 50,
      max_drawdown_pct: 50,
      max_trades_per_hour: 1000,
      max_trades_per_day: 10_000,
      min_seconds_between_trades: 0,
      per_symbol_cooldown_minutes: 0,
      after_loss_cooldown_minutes: 0,
    });
    Object.assign(d.exits, { stop_loss_pct: 0.4, take_profit_pct: 0.4, max_hold_hours: 1 });
    d.execution.order_type = o.orderType ?? 'limit';
    d.pretrade.max_orders_per_minute = 1000;
    d.pretrade.duplicate_window_seconds = 60;
  });
  editYaml(dir, 'signals.yaml', (d) => {
    d.triggers.min_strength = 0;
    d.triggers.atr.min_pct = 0.01;
    for (const r of Object.values(d.triggers.by_regime) as Doc[]) {
      Object.assign(r, { price_move_15m_pct: 0.05, price_move_60m_pct: 0.1, volume_ratio_1h_24h: 1.05, momentum_min_pct: 0.1 });
    }
    d.strategies.rules.min_conviction = 0.01;
    d.strategies.rules.risk_budget_pct = 60;
  });
  o.edit?.(dir);
  return dir;
}

/** A running daemon process, its output, and a promise of its exit code. */
export interface Daemon {
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number>;
}

/** Starts `tsx src/cli.ts run …` as a real process (the daemon the operator runs). */
export function startDaemon(args: string[], env: NodeJS.ProcessEnv): Daemon {
  // Only what the daemon needs: no inherited credentials or overrides from the test runner's own environment.
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...clockEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : -1))));
  return { pid: child.pid!, stdout: () => out, stderr: () => err, exited };
}

/** Runs the daemon to completion. */
export async function runDaemon(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const d = startDaemon(args, env);
  const code = await d.exited;
  return { code, stdout: d.stdout(), stderr: d.stderr() };
}

/** Parsed audit records of a log directory. */
export function auditRecords(logDir: string): Record<string, unknown>[] {
  const f = join(logDir, '247trader-v2_audit.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A root temp dir with logs/ and data/ paths for one daemon. */
export function daemonDirs(prefix: string): { root: string; logDir: string; dataDir: string } {
  const root = tempDir(prefix);
  return { root, logDir: join(root, 'logs'), dataDir: join(root, 'data') };
}

/** Polls until `fn` is truthy (or throws after `ms`). */
export async function until<T>(what: string, fn: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * For every order on the venue: its order_intent and order_outcome records (exactly one of each
 * expected, the intent first). Returns per client order id [intents, outcomes, intentIndex < outcomeIndex, hashes].
 */
export function writeAheadReport(records: readonly Record<string, unknown>[], clientIds: readonly string[]) {
  return clientIds.map((id) => {
    const at = (event: string) => records.flatMap((r, i) => (r.client_order_id === id && r.event === event ? [i] : []));
    const intents = at('order_intent');
    const outcomes = at('order_outcome');
    const hashes = [...new Set([...intents, ...outcomes].map((i) => records[i]!.config_hash))];
    return { id, intents: intents.length, outcomes: outcomes.length, intentFirst: intents.length > 0 && outcomes.length > 0 && intents[0]! < outcomes[0]!, hashes };
  });
}

/** Every output a run leaves: the given stdout/stderr texts, then each file under the log and data dirs, as text. */
export function everything(dirs: { logDir: string; dataDir: string }, outputs: string[]): string {
  const files: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(readFileSync(p, 'latin1'));
    }
  };
  walk(dirs.logDir);
  walk(dirs.dataDir);
  return [...outputs, ...files].join('\n');
}

/** A position the daemon will want to exit at once (held past max_hold_hours), as if bought two hours ago. */
export function seedPosition(dataDir: string, mode: StoreMode, symbol: string, quantity: number, price: number): void {
  const store = StateStore.open({ dir: dataDir, mode, startingCashUsd: 10_000 });
  try {
    store.applyFill({ clientOrderId: `seed-${symbol}`, symbol, side: 'buy', quantity, price, feeUsd: 0, ts: Date.now() - 2 * 3_600_000, intent: 'entry', tier: 'tier_1', maxHoldHours: 1, stopLossPct: 4, takeProfitPct: 8, perSymbolCooldownMin: 0, afterLossCooldownMin: 0 });
  } finally {
    store.close();
  }
}

/** The run arguments for one daemon's directories. */
export const dirArgs = (d: { logDir: string; dataDir: string }, configDir: string, ...more: string[]): string[] => ['--config-dir', configDir, '--log-dir', d.logDir, '--data-dir', d.dataDir, ...more];

/** The pinned start of the in-process LIVE suites' virtual clock. */
export const LIVE_T0 = Date.UTC(2025, 0, 6, 12, 0, 30);

/** A ccxt adapter on the fake Coinbase, signed with the test key, on the given clock (`more` overrides the defaults). */
export function liveAdapter(fake: FakeCoinbase, clock: VirtualClock, more: Partial<CcxtExchangeOptions> = {}): CcxtExchange {
  return createCcxtExchange({ urlOverride: fake.url, credentials: { apiKey: API_KEY, secret: SECRET }, timeoutMs: 2000, rateLimitMs: 1, clock, marketsTtlMs: Number.MAX_SAFE_INTEGER, ...more });
}

/** Runs `n` cycles of a started loop, advancing the clock one interval after each; `before`/`after` run around each cycle. */
export async function runCycles(
  loop: TradingLoop,
  clock: VirtualClock,
  n: number,
  intervalS: number,
  hooks: { before?: (k: number) => void; after?: (k: number, cycle: CycleRecord) => void } = {},
): Promise<CycleRecord[]> {
  const cycles: CycleRecord[] = [];
  for (let k = 0; k < n; k++) {
    hooks.before?.(k);
    const c = await loop.runCycle();
    cycles.push(c);
    hooks.after?.(k, c);
    clock.advance(intervalS * 1000);
  }
  return cycles;
}

/** What one in-process LIVE run leaves for the assertions (close `ex` and `fake` when done). */
export interface LiveRun {
  fake: FakeCoinbase;
  ex: CcxtExchange;
  loop: TradingLoop;
  clock: VirtualClock;
  logDir: string;
  dataDir: string;
  /** The run's config directory (a second loop on the same state uses it). */
  configDir: string;
  cycles: CycleRecord[];
}

/**
 * One LIVE daemon in process against the fake Coinbase, all on one virtual clock from LIVE_T0: the fake
 * funded with `balances`, liveTestConfig(root, { edit }), `cycles` cycles `intervalS` apart, then a stop.
 * `beforeCycle`/`afterCycle` run around each cycle (the run's `cycles` is filled at the end). A run that fails closes its fake and adapter.
 */
export async function runLiveLoop(o: {
  root: string;
  balances: Record<string, number>;
  cycles: number;
  intervalS: number;
  edit?: (dir: string) => void;
  adapter?: Partial<CcxtExchangeOptions>;
  /** More options for the fake (hooks such as onAnswered); products, balances and the clock are the run's. */
  fake?: Partial<FakeCoinbaseOptions>;
  beforeCycle?: (k: number, run: LiveRun) => void;
  afterCycle?: (k: number, cycle: CycleRecord, run: LiveRun) => void;
}): Promise<LiveRun> {
  const clock = new VirtualClock(LIVE_T0);
  const logDir = join(o.root, 'logs');
  const dataDir = join(o.root, 'data');
  const fake = await startFakeCoinbase({ ...o.fake, products: liquidProducts(), balances: o.balances, now: () => clock.now(), verifyKeyPem: PUBLIC });
  let ex: CcxtExchange | undefined;
  try {
    const configDir = liveTestConfig(o.root, { edit: o.edit });
    ex = liveAdapter(fake, clock, o.adapter);
    const loop = new TradingLoop({ configDir, mode: 'LIVE', logDir, dataDir, clock, logger: silentLogger(), market: ex, env: { ...CREDENTIALS_ENV }, intervalSeconds: o.intervalS });
    const run: LiveRun = { fake, ex, loop, clock, logDir, dataDir, configDir, cycles: [] };
    await loop.start();
    run.cycles = await runCycles(loop, clock, o.cycles, o.intervalS, { before: (k) => o.beforeCycle?.(k, run), after: (k, c) => o.afterCycle?.(k, c, run) });
    await loop.stop('signal SIGTERM');
    return run;
  } catch (e) {
    await ex?.close();
    await fake.close();
    throw e;
  }
}
