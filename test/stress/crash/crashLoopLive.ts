/**
 * The LIVE crash loop: the real CLI daemon in LIVE (wall clock) against ONE fake Coinbase that lives
 * across every kill, so the venue keeps its orders, fills and balances while the daemon dies and
 * restarts. A seeded market walk moves the fake's books meanwhile (entries trigger, exits trigger,
 * resting orders fill while the daemon is down). Kills come at seeded moments of three kinds:
 * `delay` (uniform after the first cycle record), `after_order` (0–10 ms after the venue answered the
 * daemon's read-back of a new order: the daemon is storing, recording and booking its outcome),
 * `in_flight` (the venue booked the order and holds the answer: the daemon dies not knowing) and
 * `before_stop` (an entry fills; the daemon's venue stop request for it is lost on the way and the daemon
 * dies waiting: the position has no stop, the restart must find the stop missing and place it once).
 * Each restart goes through normal LIVE startup (unknown orders looked up, reconciliation) WITHOUT
 * --accept-reconcile-differences: after a crash the daemon must find its own way back; a refusal
 * stops the loop and is reported. The loop itself is runKillLoop (crashLoop.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hashSeed, Rng } from '../../../src/exchange/sim/rng.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { clockEnv, shiftedClock } from '../../helpers/cli.ts';
import { floorToIncrement } from '../../../src/core/orders.ts';
import { StateStore } from '../../../src/state/store.ts';
import { startFakeCoinbase, type FakeCoinbase, type FakeOrder } from '../../fakes/fakeCoinbase.ts';
import { CREDENTIALS_ENV, PUBLIC, dirArgs, editYaml, liquidProducts, liveTestConfig } from '../../live/helpers.ts';
import { AUDIT_FILE, checkNdjson, checkRun, checkVenue, readAudit, type ConsistencyReport, type NdjsonCheck, type Rec, type VenueReport } from '../consistency.ts';
import { runDir } from '../soak/runSoak.ts';
import { completeBytes, cyclesSince, runKillLoop, spawnRun, type CrashLoopOptions, type KillInfo } from './crashLoop.ts';

/** Options of runCrashLoopLive (minDelayMs/maxDelayMs bound the `delay` kills). */
export interface LiveCrashLoopOptions extends CrashLoopOptions {
  /** Share of kills timed `after_order` (default 0.4) and `in_flight` (default 0.2); the rest are `delay`. */
  afterOrderShare?: number;
  inFlightShare?: number;
  /** Share of kills timed `before_stop` (default 0.1, the top of the draw: seed 9 makes the first kill one). */
  beforeStopShare?: number;
  /** An `after_order` kill comes uniform [0, this] ms after the venue answered the read-back of the order (default 10). */
  afterOrderMaxMs?: number;
  /** Seconds between cycle starts (default 0.2). */
  intervalSeconds?: number;
  /** ms between market moves (default 250). */
  walkMs?: number;
  /**
   * ms UTC the daemons' and the venue's clocks read at the start (default: real time). The daemons run
   * under Debian's faketime with the matching offset, the fake venue reads the same shifted time.
   */
  clockAt?: number;
}

/** One reconcile record that did not come out `ok`. */
export interface ReconcileNote {
  seq: number;
  trigger: string;
  outcome: string;
  differences: string[];
}

/** What the LIVE loop saw and the end-of-run checks (the book, the log, the venue, the daemon logs). */
export interface LiveCrashLoopResult {
  dir: string;
  kills: KillInfo[];
  /**
   * A restart that exited before its first cycle (startup reconciliation refused): a finding; no final
   * run followed. `evidence`: the refusing reconcile record and every record about the orders it names.
   */
  refused?: { n: number; exit: number | null; stderr: string; evidence: Record<string, unknown>[] };
  finalExit: number | null;
  finalStderr: string;
  report: ConsistencyReport;
  venue: VenueReport;
  /** Each life's own log (pino NDJSON on stdout); a killed life may end in a torn line, the final one may not. */
  daemonLogs: (NdjsonCheck & { killed: boolean })[];
  /** Reconcile records with differences or a refusal (at startup or while running). */
  reconcileNotes: ReconcileNote[];
  /** order_outcome records written by a lookup (an order whose answer a kill cut off, resolved at the next start or cycle). */
  resolvedByLookup: number;
  /** The final shutdown's cancel_failed list. */
  shutdownCancelFailed: string[];
  /** ms UTC of the first and the last record (the daemons' clocks, shifted or not). */
  clockSpan: [number, number];
  /** Venue stops at the end: how many were placed and filled, products with two open stops, held positions without one. */
  stops: StopReport;
  /**
   * Each stop request a `before_stop` kill lost: how the restart closed its intent (the error of its
   * lookup outcome, null if never), and the next order of ours on that product after it (`venue_stop`: the
   * stop placed anew; `exit`: the position was sold first).
   */
  lostStops: { id: string; resolved: string | null; next: string | null }[];
}

/** The venue's stop orders against the LIVE book at the end of a run. */
export interface StopReport {
  placed: number;
  filled: number;
  /** Products with more than one open stop order. */
  duplicateOpen: string[];
  /** `SYMBOL: book <q>, open stops <sizes>` for a held position whose open stops do not cover exactly its sellable quantity. */
  unprotected: string[];
}

/** A seeded walk of every product's book: ±step per tick, direction flipping now and then, held within ±span of the start. */
function startWalk(fake: FakeCoinbase, seed: number, everyMs: number): () => void {
  const rng = new Rng(hashSeed('crash-loop-market', seed));
  const start = new Map([...fake.state.products.values()].map((p) => [p.product_id, p.price]));
  const dir = new Map([...start.keys()].map((id) => [id, 1]));
  const step = 0.004;
  const span = 0.04;
  const t = setInterval(() => {
    for (const p of [...fake.state.products.values()]) {
      const p0 = start.get(p.product_id)!;
      let d = dir.get(p.product_id)!;
      if (rng.next() < 0.35) d = -d;
      if (p.price > p0 * (1 + span)) d = -1;
      if (p.price < p0 * (1 - span)) d = 1;
      dir.set(p.product_id, d);
      const price = p.price * (1 + d * step * (0.5 + rng.next()));
      const half = (p.ask - p.bid) / 2;
      // setBook fills every resting order the move crosses, as the market would.
      fake.setBook(p.product_id, { bid: price - half, ask: price + half, price });
    }
  }, everyMs);
  return () => clearInterval(t);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ORDERS = '/api/v3/brokerage/orders';

/** Runs the LIVE loop against one fake venue and the final clean run, then checks everything against the venue. */
export async function runCrashLoopLive(o: LiveCrashLoopOptions): Promise<LiveCrashLoopResult> {
  const dir = runDir('247t-crash-live-');
  const logDir = join(dir, 'logs');
  const dataDir = join(dir, 'data');
  const lifeLogs = join(dir, 'daemon-logs');
  mkdirSync(lifeLogs);
  const finalCycles = o.finalCycles ?? 12;
  const interval = o.intervalSeconds ?? 0.2;
  const configDir = liveTestConfig(dir, {
    edit: (d) =>
      editYaml(d, 'policy.yaml', (p) => {
        // Resting orders older than 2 s are reconciled and cancelled: the stale-order path runs between kills too.
        p.execution.order_ttl_seconds = 2;
        // Orders every few cycles, so kills find some in flight (the pretrade duplicate window would hold a symbol for a minute).
        p.pretrade.duplicate_window_seconds = 0;
      }),
  });
  // Told of each order the venue books; a kill moment waits on it.
  let onBooked: ((ord: FakeOrder) => void) | undefined;
  let onAnswered: ((method: string, path: string) => void) | undefined;
  const shift = o.clockAt === undefined ? undefined : shiftedClock(o.clockAt);
  const fake = await startFakeCoinbase({
    ...(shift && { now: shift.now }),
    products: liquidProducts(),
    balances: { USD: 10_000 }, // LIVE sizes from this account (the policy's starting_cash_usd is not used)
    verifyKeyPem: PUBLIC,
    onOrderBooked: (ord) => onBooked?.(ord),
    onAnswered: (method, path) => onAnswered?.(method, path),
  });
  const stopWalk = startWalk(fake, o.seed, o.walkMs ?? 250);
  let walking = true;
  const haltWalk = () => {
    if (walking) stopWalk();
    walking = false;
  };
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...(shift?.env ?? clockEnv()), TRADER_CCXT_URL_OVERRIDE: fake.url, ...CREDENTIALS_ENV };
  const logFiles: { file: string; killed: boolean }[] = [];
  const auditFile = join(logDir, AUDIT_FILE);

  /** The next order the venue books (that `which` accepts), or undefined after `ms`. */
  const nextOrder = (ms: number, which: (ord: FakeOrder) => boolean = () => true) =>
    new Promise<FakeOrder | undefined>((resolve) => {
      const t = setTimeout(() => {
        onBooked = undefined;
        resolve(undefined);
      }, ms);
      onBooked = (ord) => {
        if (!which(ord)) return;
        clearTimeout(t);
        onBooked = undefined;
        resolve(ord);
      };
    });

  /** Resolves when the venue has answered the daemon's read-back of order `id` (the last word before the daemon records it), or after `ms`. */
  const readBack = (id: string, ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        onAnswered = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      onAnswered = (method, path) => {
        if (method === 'GET' && path.endsWith(`/orders/historical/${id}`)) done();
      };
    });

  try {
    const r = await runKillLoop(
      {
        auditFile,
        start(final) {
          const file = join(lifeLogs, `life-${String(logFiles.length + 1).padStart(2, '0')}${final ? '-final' : ''}.log`);
          logFiles.push({ file, killed: !final });
          const fd = openSync(file, 'a');
          const more = final ? ['--max-cycles', String(finalCycles)] : ['--loop'];
          const from = completeBytes(auditFile);
          const child = spawnRun(dirArgs({ logDir, dataDir }, configDir, '--live', '--interval', String(interval), ...more), { env, stdout: fd });
          closeSync(fd);
          // The market goes quiet a third of the way into the final run, so the daemon can settle every resting order before it stops.
          if (final) void quietAfter(child, auditFile, from, Math.ceil(finalCycles / 3), haltWalk);
          return child;
        },
        async killMoment(rng: Rng) {
          const u = rng.next();
          const v = rng.next();
          const afterOrder = o.afterOrderShare ?? 0.4;
          const inFlight = o.inFlightShare ?? 0.2;
          const beforeStop = o.beforeStopShare ?? 0.1;
          if (u >= 1 - beforeStop) {
            // before_stop: an entry fills; the daemon's next stop request is lost on the way (the venue never gets
            // it) and the daemon dies with it: the position has no stop, the journal a stop intent 'sent'.
            const t0 = Date.now();
            const lost = fake.state.lost.length;
            fake.inject({ kind: 'lost_in_flight', orderConfiguration: 'stop_limit_stop_limit_gtc', path: ORDERS, method: 'POST' });
            while (fake.state.lost.length === lost && Date.now() < t0 + 10_000) await sleep(2);
            const id = fake.state.lost[lost];
            // Evidence the kill fell in the window: the venue holds the position's coins and no open stop for that product.
            const product = id?.match(/-([A-Z0-9]+-[A-Z0-9]+)-sell-/)?.[1];
            const covered = product !== undefined && fake.state.orders.some((x) => x.order_type === 'STOP_LIMIT' && x.product_id === product && x.status === 'OPEN');
            return { kind: id === undefined ? 'before_stop(no stop asked)' : covered ? 'before_stop(a stop rests)' : 'before_stop', delayMs: Date.now() - t0 };
          }
          if (u < afterOrder + inFlight) {
            const holding = u >= afterOrder;
            // in_flight: the venue books the next order and holds its answer; the daemon dies waiting.
            if (holding) fake.inject({ kind: 'timeout_after_accept', ms: 3_000, path: ORDERS, method: 'POST' });
            const t0 = Date.now();
            const ord = await nextOrder(2_000);
            if (ord && !holding) await readBack(ord.order_id, 1_000);
            const delayMs = Math.round(v * (holding ? 200 : (o.afterOrderMaxMs ?? 10)));
            await sleep(delayMs);
            const kind = holding ? 'in_flight' : 'after_order';
            return { kind: ord ? kind : `${kind}(no order)`, delayMs: ord ? delayMs : Date.now() - t0 };
          }
          const delayMs = Math.round(o.minDelayMs + v * (o.maxDelayMs - o.minDelayMs));
          await sleep(delayMs);
          return { kind: 'delay', delayMs };
        },
        afterKill: () => fake.clearFaults(),
      },
      o,
    );
    haltWalk();
    const startingCashUsd = loadConfig(configDir, {}).policy.sizing.starting_cash_usd;
    const report = await checkRun({ logDir, dataDir, mode: 'LIVE', startingCashUsd });
    const records = await readAudit(logDir);
    const venue = checkVenue({ records, dataDir, startingCashUsd, venue: fake.state });
    const daemonLogs = logFiles.map((f) => checkNdjson(f.file));
    const reconcileNotes = records
      .filter((x) => x.event === 'reconcile' && x.outcome !== 'ok')
      .map((x) => ({ seq: x.seq, trigger: String(x.trigger), outcome: String(x.outcome), differences: (x.differences as string[]) ?? [] }));
    const shutdown = records.filter((x) => x.event === 'shutdown').at(-1);
    return {
      dir,
      kills: r.kills,
      ...(r.refused && { refused: { ...r.refused, evidence: refusalEvidence(records) } }),
      finalExit: r.finalExit,
      finalStderr: r.finalStderr,
      report,
      venue,
      daemonLogs: daemonLogs.map((c, i) => ({ ...c, killed: logFiles[i]!.killed })),
      reconcileNotes,
      resolvedByLookup: records.filter((x) => x.event === 'order_outcome' && x.resolved_by === 'lookup').length,
      shutdownCancelFailed: (shutdown?.cancel_failed as string[] | undefined) ?? [],
      clockSpan: [Date.parse(String(records[0]?.timestamp)), Date.parse(String(records.at(-1)?.timestamp))],
      stops: stopReport(fake, dataDir, startingCashUsd),
      lostStops: fake.state.lost.map((id) => {
        const outcome = records.find((x) => x.event === 'order_outcome' && x.client_order_id === id);
        const symbol = records.find((x) => x.event === 'order_intent' && x.client_order_id === id)?.symbol;
        const next = outcome && records.find((x) => x.event === 'order_intent' && x.symbol === symbol && x.seq > outcome.seq);
        return { id, resolved: outcome ? String(outcome.error) : null, next: next ? String(next.intent) : null };
      }),
    };
  } finally {
    haltWalk();
    await fake.close();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The venue's stops against the book at the end: every held position (above the product's minimum, its
 * price still above its stop, no order of ours on it unknown) has exactly one open stop for its whole
 * sellable quantity; no product has two.
 */
function stopReport(fake: FakeCoinbase, dataDir: string, startingCashUsd: number): StopReport {
  const stops = fake.state.orders.filter((x) => x.order_type === 'STOP_LIMIT');
  const open = stops.filter((x) => x.status === 'OPEN');
  const byProduct = new Map<string, FakeOrder[]>();
  for (const x of open) byProduct.set(x.product_id, [...(byProduct.get(x.product_id) ?? []), x]);
  const store = StateStore.open({ dir: dataDir, mode: 'LIVE', startingCashUsd });
  const unprotected: string[] = [];
  try {
    const unknown = new Set(store.listIntents(['pending', 'sent', 'unknown']).map((i) => i.symbol));
    for (const p of store.positions()) {
      const product = fake.state.products.get(p.symbol);
      if (!product || unknown.has(p.symbol)) continue; // an order of ours there is unknown: no stop until it resolves (by design)
      const qty = floorToIncrement(p.quantity, Number(product.base_increment));
      if (qty < Number(product.base_min_size) || product.price <= p.stopLossPrice) continue; // nothing placeable, or the daemon's own stop is due
      const sizes = (byProduct.get(p.symbol) ?? []).map((x) => x.base_size);
      if (sizes.length !== 1 || Math.abs(sizes[0]! - qty) > 1e-9 * Math.max(1, qty)) unprotected.push(`${p.symbol}: book ${p.quantity}, open stops [${sizes.join(', ')}]`);
    }
  } finally {
    store.close();
  }
  return {
    placed: stops.length,
    filled: stops.filter((x) => x.status === 'FILLED').length,
    duplicateOpen: [...byProduct].filter(([, xs]) => xs.length > 1).map(([id, xs]) => `${id}: ${xs.map((x) => x.client_order_id).join(', ')}`),
    unprotected,
  };
}

/** The last refused reconcile record, and the records about the orders and coins its differences name (by seq). */
function refusalEvidence(records: readonly Rec[]): Record<string, unknown>[] {
  const refusal = records.filter((x) => x.event === 'reconcile' && x.outcome === 'refused').at(-1);
  if (!refusal) return [];
  const named = ((refusal.differences as string[]) ?? []).join(' ');
  const ids = new Set(records.filter((x) => typeof x.client_order_id === 'string' && named.includes(String(x.client_order_id))).map((x) => String(x.client_order_id)));
  const symbols = new Set([...named.matchAll(/symbol=([A-Z]+-[A-Z]+)/g)].map((m) => m[1]));
  const about = records.filter((x) => x !== refusal && (ids.has(String(x.client_order_id)) || (x.event === 'order_intent' && symbols.has(String(x.symbol)) && records.indexOf(x) > records.length - 40)));
  return [...about, ...records.filter((x) => x.event === 'startup').slice(-2), refusal].sort((a, b) => a.seq - b.seq);
}

/** Calls `quiet` once the audit log holds `cycles` cycle records after byte `from` (or the child is gone). */
async function quietAfter(child: ChildProcess, file: string, from: number, cycles: number, quiet: () => void): Promise<void> {
  while (cyclesSince(file, from) < cycles && child.exitCode === null && child.signalCode === null) await sleep(50);
  quiet();
}
