// src/state/: the book and everything that must survive a restart, in SQLite (atomic, crash-safe).
// Must not: decide anything or talk to an exchange; it stores what the loop and the executors tell it.
/** StateStore: the book (cash, positions, fills), pnl baselines, cooldowns, order intents and halt latch, in SQLite. */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PortfolioView, Position, TierName } from '../core/types.ts';
import { StateError } from './errors.ts';
import { averageEntry, exitPrices, realizeSale, utcDayStart, utcWeekStart } from './pnl.ts';
import { migrate } from './schema.ts';
import {
  prepareStatements,
  type AccountRow,
  type FillDbRow,
  type IntentDbRow,
  type PositionRow,
  type Statements,
} from './statements.ts';
import {
  INTENT_STATUSES,
  STORE_MODES,
  type FillInput,
  type FillRow,
  type HaltInfo,
  type IntentInput,
  type IntentRow,
  type IntentStatus,
  type IntentUpdate,
  type OpenOptions,
  type ReconcileReport,
  type StoreMode,
} from './types.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Meta key: LIVE dust per asset (JSON). */
const DUST_KEY = 'live_dust';
/** Meta key: 'venue' once LIVE cash has been taken from the venue's account. */
const CASH_SOURCE_KEY = 'cash_source';
/** Relative slack for float quantities: a sell this close to the whole position closes it. */
const QTY_REL_EPS = 1e-9;
// What a sale may leave behind and still close the position: float noise only (a few ulps of the
// quantity), never a real remainder such as one base increment (1e-8 of 151 units is 7e-11
// relative): the rest of a partially filled exit can still fill later and must find its position.
const QTY_NOISE_EPS = 1e-12;

/** The database file of one mode's book. */
export const stateFile = (dir: string, mode: StoreMode): string => join(dir, `state-${mode}.sqlite`);

/**
 * One mode's persistent state. Every method is synchronous (better-sqlite3); writes outside
 * `transaction()` commit on their own. Not safe to share between processes that both write.
 */
export class StateStore {
  /** Where the marks of positions missing from this view's marks come from: the last good mark seen (memory only). */
  private readonly lastMarks = new Map<string, number>();
  private readonly viewTx: (now: number, marks: Readonly<Record<string, number>>, drawdownWindowDays: number) => PortfolioView;
  private readonly fillTx: (fill: FillInput) => boolean;
  /** Runs any function as one transaction (built once: better-sqlite3 builds a wrapper per transaction() call). */
  private readonly anyTx: (fn: () => unknown) => unknown;
  /**
   * Rows read since the last write (a cycle reads the account and the positions dozens of times and
   * writes them a few times a day). This connection is the book's only writer (the instance lock;
   * other readers open it read-only), so a row read stays true until one of its own statements
   * writes its table: such a statement clears that table's cache before it runs, and a transaction
   * that throws clears all of it (its rollback undoes writes that may have been read back inside it).
   */
  private readonly cache: ReadCache = { meta: new Map(), baselines: new Map() };
  /** BACKTEST: the last cycle number handed out, written at close (see nextCycle). */
  private unwrittenCycle?: number;
  /** positionList's models and the rows they were made from. */
  private positionViews?: { rows: readonly PositionRow[]; list: readonly Position[] };

  private constructor(
    private readonly db: Database.Database,
    private readonly st: Statements,
    readonly mode: StoreMode,
    readonly file: string,
  ) {
    clearingOnWrite(st, (tables) => this.clearCache(tables));
    // Built once: one BEGIN/COMMIT around each view's and each fill's writes (one fsync, not one per statement).
    const view = (now: number, marks: Readonly<Record<string, number>>, days: number) => this.buildView(now, marks, days);
    // BACKTEST: no transaction around a view (a run is never resumed, so its rare baseline writes
    // need no atomicity, and it holds the file exclusively); one per cycle cost a year-long run 30 ms.
    this.viewTx = mode === 'BACKTEST' ? view : this.atomic(view);
    this.fillTx = this.atomic((fill: FillInput) => this.bookFill(fill));
    this.anyTx = this.atomic((fn: () => unknown) => fn());
  }

  /** `fn` as one transaction; a throw (a rollback) also clears the read cache. */
  private atomic<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    const tx = this.db.transaction(fn);
    return (...args: A): R => {
      try {
        return tx(...args);
      } catch (e) {
        this.clearCache();
        throw e;
      }
    };
  }

  private clearCache(tables: readonly CachedTable[] = CACHED_TABLES): void {
    if (tables.includes('account')) this.cache.account = undefined;
    if (tables.includes('positions')) this.cache.positions = undefined;
    if (tables.includes('meta')) this.cache.meta.clear();
    if (tables.includes('cooldowns')) this.cache.cooldowns = undefined;
    if (tables.includes('bans')) this.cache.bans = undefined;
    if (tables.includes('fills') || tables.includes('order_intents')) this.cache.entries = undefined;
    if (tables.includes('pnl_baselines')) {
      this.cache.baselines.clear();
      this.cache.dayBaselines = undefined;
    }
  }

  /** Opens (creating when missing) `<dir>/state-<mode>.sqlite`, migrating its schema. */
  static open(opts: OpenOptions): StateStore {
    if (!STORE_MODES.includes(opts.mode)) throw new StateError(`unknown state mode ${JSON.stringify(opts.mode)}`);
    if (!Number.isFinite(opts.startingCashUsd) || opts.startingCashUsd < 0) {
      throw new StateError(`starting cash must be a number >= 0, got ${opts.startingCashUsd}`);
    }
    const file = stateFile(opts.dir, opts.mode);
    let db: Database.Database;
    try {
      // chmod as well: mkdir's mode is narrowed by the umask. Only a directory we made; an existing one is the operator's.
      if (mkdirSync(opts.dir, { recursive: true, mode: 0o750 }) !== undefined) chmodSync(opts.dir, 0o750);
      db = new Database(file);
    } catch (e) {
      throw new StateError(`${file}: cannot open state database: ${(e as Error).message}`, { cause: e });
    }
    try {
      if (opts.mode === 'BACKTEST') {
        // A backtest's book is rebuilt by rerunning it, and nothing else opens it while it runs: no
        // fsyncs, the rollback journal in memory, the file locked once (commits cost no syscalls but a write).
        db.pragma('locking_mode = EXCLUSIVE');
        db.pragma('journal_mode = MEMORY');
        db.pragma('synchronous = OFF');
      } else {
        if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') {
          throw new StateError(`${file}: WAL journal mode is not available on this filesystem`);
        }
        // FULL, not NORMAL: in WAL mode NORMAL skips the fsync at commit, so a power loss can drop the
        // last committed cycle (fills booked, cycle record already written). A committed cycle must survive.
        db.pragma('synchronous = FULL');
      }
      // A CLI reader (`state …`) may hold a lock for a moment; wait rather than fail the cycle.
      db.pragma('busy_timeout = 5000');
      migrate(db, file);
      chmodSync(file, 0o640);
      const st = prepareStatements(db);
      st.seedAccount.run(opts.mode, opts.startingCashUsd, opts.startingCashUsd, opts.startingCashUsd);
      const account = st.account.get() as AccountRow;
      if (account.mode !== opts.mode) {
        throw new StateError(`${file}: holds the ${account.mode} book, not ${opts.mode}; was the file renamed?`);
      }
      return new StateStore(db, st, opts.mode, file);
    } catch (e) {
      db.close();
      if (e instanceof StateError) throw e;
      throw new StateError(`${file}: cannot use state database: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Closes the database (checkpoints the WAL). Safe to call twice. */
  close(): void {
    if (!this.db.open) return;
    if (this.unwrittenCycle !== undefined) this.st.setCycle.run(this.unwrittenCycle);
    this.db.close();
  }

  /**
   * Runs `fn` in one SQLite transaction: all its writes commit together or none do. `fn` must be
   * synchronous (better-sqlite3 refuses a function that returns a promise): do the async work
   * (fetching, sending) first, then book the results inside. Nested calls become savepoints.
   */
  transaction<T>(fn: () => T): T {
    return this.anyTx(fn) as T;
  }

  // ---- cycle counter ----------------------------------------------------------------

  /**
   * The next cycle number, committed before it is returned (BACKTEST: when the store closes), so it is unique across restarts.
   * Refused inside transaction(): a rollback would hand the same number out again.
   */
  nextCycle(): number {
    if (this.db.inTransaction) throw new StateError('nextCycle() must be called outside transaction()');
    // BACKTEST: a run is never resumed (its book is rebuilt by rerunning it), so the counter lives in
    // memory and is written when the store closes: a commit per cycle cost the year-long backtest
    // benchmark 0.3-0.6 s of its 5.4 s (one page write each; the UPDATE itself is a few µs).
    if (this.mode === 'BACKTEST') return (this.unwrittenCycle = this.currentCycle() + 1);
    const acct = this.cache.account;
    // .all(), not .get(): .get() commits while resetting the statement and better-sqlite3 drops that
    // error, so a full disk handed out the same cycle number (and client order ids) again.
    const cycle = this.st.nextCycle.all()[0] as number;
    // The update cleared the cached account row; only its cycle changed.
    if (acct) this.cache.account = { ...acct, cycle };
    return cycle;
  }

  /** The last cycle number handed out (0 before the first). */
  currentCycle(): number {
    return this.unwrittenCycle ?? this.account().cycle;
  }

  // ---- the read model ---------------------------------------------------------------

  /**
   * The portfolio as the stages see it at `now`, valuing positions at `marks` (symbol -> bid).
   * Records the day/week equity baselines on the first view of a new UTC day/week and raises the
   * high-water mark, so it writes (cheaply: only when one of those changes). A position without a
   * usable mark here is valued at the last mark this process saw, else at its average entry; while
   * any position is valued at entry, no baseline or high-water mark is recorded.
   */
  view(now: number, marks: Readonly<Record<string, number>>, opts: { drawdownWindowDays?: number } = {}): PortfolioView {
    if (!Number.isFinite(now)) throw new StateError(`view: now must be a number of ms, got ${now}`);
    return this.viewTx(now, marks, opts.drawdownWindowDays ?? 0);
  }

  private buildView(now: number, marks: Readonly<Record<string, number>>, drawdownWindowDays: number): PortfolioView {
    const acct = this.account();
    const positions = this.positionList();
    const marksUsd: Record<string, number> = {};
    let equity = acct.cash_usd;
    let allMarked = true;
    for (const p of positions) {
      const mark = this.markOf(p, marks[p.symbol]);
      if (mark === undefined) allMarked = false;
      const value = p.quantity * (mark ?? p.avgEntryPrice);
      marksUsd[p.symbol] = value;
      equity += value;
    }

    // An equity that values a position at cost (no market price seen yet, e.g. the first view after a
    // restart) is not recorded as a baseline or a high-water mark: it would skew a whole day's pnl.
    let hwm = acct.high_water_mark_usd;
    if (allMarked && equity > hwm) {
      hwm = equity;
      this.writeAccount(() => this.st.setHighWaterMark.run(hwm), { high_water_mark_usd: hwm });
    }

    const recentTrades = this.recentEntries(now - DAY_MS, now);
    const cooldowns: PortfolioView['cooldowns'] = {};
    for (const c of this.activeCooldowns(now)) {
      // Both kinds may be active; the later one is what actually blocks the symbol.
      const seen = cooldowns[c.symbol];
      if (!seen || c.until > seen.until) cooldowns[c.symbol] = { until: c.until, reason: c.reason };
    }

    const dailyBase = this.baseline('day', utcDayStart(now), equity, now, allMarked);
    return {
      now,
      cashUsd: acct.cash_usd,
      positions: positions.slice(),
      marksUsd,
      equityUsd: equity,
      highWaterMarkUsd: hwm,
      ...(drawdownWindowDays > 0 && { drawdownPeakUsd: Math.max(equity, this.peakDayBaseline(now - drawdownWindowDays * DAY_MS) ?? equity) }),
      dailyPnlUsd: equity - dailyBase,
      weeklyPnlUsd: equity - this.baseline('week', utcWeekStart(now), equity, now, allMarked),
      consecutiveLosses: acct.consecutive_losses,
      recentTrades,
      cooldowns,
    };
  }

  /** A market price for the position: this view's, else the last good one this process saw; undefined if none. */
  private markOf(p: Position, mark: number | undefined): number | undefined {
    if (mark !== undefined && Number.isFinite(mark) && mark > 0) {
      this.lastMarks.set(p.symbol, mark);
      return mark;
    }
    return this.lastMarks.get(p.symbol);
  }

  /**
   * The equity baseline of the period starting at `start`. The first view of a period stores the
   * current equity, unless some position had no market price (then it is provisional: pnl 0, not stored).
   */
  private baseline(period: 'day' | 'week', start: number, equity: number, now: number, store: boolean): number {
    const key = `${period}:${start}`;
    const { baselines } = this.cache;
    const stored = baselines.has(key) ? baselines.get(key) : (this.st.baseline.get(period, start) as number | undefined);
    baselines.set(key, stored);
    if (stored !== undefined) return stored;
    if (store) this.st.insertBaseline.run(period, start, equity, now);
    return equity;
  }

  // ---- fills --------------------------------------------------------------------------

  /**
   * Books one fill: cash, position (opened, averaged, reduced or closed), realized pnl, consecutive
   * losses and cooldowns, atomically. Returns false (and changes nothing) when a fill with this
   * client_order_id was already booked. Throws StateError on a bad number or a sell beyond the position.
   *
   * Buy: cash −= qty × price + fee; the average entry is quantity-weighted (fees kept apart, charged
   * to realized pnl at the sale); stop/take prices are the percentages applied to the new average;
   * entry time stays the first buy's, max hold counts from it.
   * Sell: cash += qty × price − fee; realized = (price − avg) × qty − fee − qty/position × entry fees.
   * A losing sale adds a consecutive loss and starts the after-loss cooldown; a winning one resets
   * the count; exactly zero leaves it. Any fill starts the per-symbol cooldown.
   */
  applyFill(fill: FillInput): boolean {
    return this.fillTx(fill);
  }

  private bookFill(f: FillInput): boolean {
    checkFill(f);
    if (this.st.fillExists.get(f.clientOrderId) !== undefined) return false;
    const cash = this.account().cash_usd;
    const pos = this.positionRows().find((r) => r.symbol === f.symbol);
    let realized: number | null = null;

    if (f.side === 'buy') {
      const cashAfter = cash - (f.quantity * f.price + f.feeUsd);
      this.writeAccount(() => this.st.setCash.run(cashAfter), { cash_usd: cashAfter });
      const row = boughtPosition(pos, f);
      this.writePositions(() => this.st.upsertPosition.run(row), (rows) => [...rows.filter((r) => r.symbol !== row.symbol), row]);
    } else {
      if (!pos) throw new StateError(`sell ${f.clientOrderId}: no ${f.symbol} position to sell`);
      if (f.quantity > pos.quantity * (1 + QTY_REL_EPS)) {
        throw new StateError(`sell ${f.clientOrderId}: quantity ${f.quantity} exceeds the ${f.symbol} position ${pos.quantity}`);
      }
      const sale = realizeSale({
        posQty: pos.quantity,
        avgEntry: pos.avg_entry_price,
        entryFeesUsd: pos.entry_fees_usd,
        sellQty: f.quantity,
        price: f.price,
        feeUsd: f.feeUsd,
      });
      realized = sale.realizedPnlUsd;
      const cashAfter = cash + (f.quantity * f.price - f.feeUsd);
      this.writeAccount(() => this.st.setCash.run(cashAfter), { cash_usd: cashAfter });
      const left = pos.quantity - f.quantity;
      if (left <= pos.quantity * QTY_NOISE_EPS) {
        this.writePositions(() => this.st.deletePosition.run(f.symbol), (rows) => rows.filter((r) => r.symbol !== f.symbol));
        this.lastMarks.delete(f.symbol);
      } else {
        const fees = pos.entry_fees_usd - sale.entryFeeShareUsd;
        this.writePositions(() => this.st.reducePosition.run(left, fees, f.symbol), (rows) => rows.map((r) => (r.symbol === f.symbol ? { ...r, quantity: left, entry_fees_usd: fees } : r)));
      }
      const losses = this.account().consecutive_losses;
      if (realized < 0) {
        this.writeAccount(() => this.st.setConsecutiveLosses.run(losses + 1), { consecutive_losses: losses + 1 });
        if (f.afterLossCooldownMin > 0) this.writeCooldown(f.symbol, 'after_loss', f.ts + f.afterLossCooldownMin * MINUTE_MS);
      } else if (realized > 0 && losses !== 0) {
        this.writeAccount(() => this.st.setConsecutiveLosses.run(0), { consecutive_losses: 0 });
      }
    }
    if (f.perSymbolCooldownMin > 0) this.writeCooldown(f.symbol, 'per_symbol', f.ts + f.perSymbolCooldownMin * MINUTE_MS);

    const entries = this.cache.entries;
    this.st.insertFill.run({
      client_order_id: f.clientOrderId,
      symbol: f.symbol,
      side: f.side,
      quantity: f.quantity,
      price: f.price,
      fee_usd: f.feeUsd,
      ts: f.ts,
      realized_pnl_usd: realized,
      intent: f.intent,
    });
    // The cached entry rows (cleared by the insert) gain this fill when it is an entry they cover.
    if (entries) {
      this.cache.entries = entries;
      if (f.intent === 'entry' && f.ts > entries.from) {
        let at = entries.rows.length;
        while (at > 0 && entries.rows[at - 1]!.ts > f.ts) at--;
        entries.rows.splice(at, 0, { symbol: f.symbol, side: f.side, ts: f.ts });
      }
    }
    return true;
  }

  /** Extends a cooldown (setCooldown keeps the later end), keeping the cached rows in force as the table now has them. */
  private writeCooldown(symbol: string, reason: CooldownRow['reason'], until: number): void {
    const seen = this.cache.cooldowns;
    this.st.setCooldown.run(symbol, reason, until);
    if (!seen) return;
    // A row missing from the cache had ended by seen.at, so the table's end is now `until`.
    const rows = seen.rows.filter((r) => !(r.symbol === symbol && r.reason === reason));
    const end = Math.max(until, seen.rows.find((r) => r.symbol === symbol && r.reason === reason)?.until ?? until);
    if (end > seen.at) rows.push({ symbol, reason, until: end });
    rows.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
    this.cache.cooldowns = { at: seen.at, rows };
  }

  /** Whether a fill with this client order id is booked. */
  hasFill(clientOrderId: string): boolean {
    return this.st.fillExists.get(clientOrderId) !== undefined;
  }

  /** Booked fills with ts >= `sinceTs`, oldest first. */
  listFills(sinceTs = 0): FillRow[] {
    return (this.st.fillsSince.all(sinceTs) as FillDbRow[]).map((r) => ({
      clientOrderId: r.client_order_id,
      symbol: r.symbol,
      side: r.side,
      quantity: r.quantity,
      price: r.price,
      feeUsd: r.fee_usd,
      ts: r.ts,
      realizedPnlUsd: r.realized_pnl_usd,
      intent: r.intent,
    }));
  }

  /** Cash and positions recomputed from the fills and the starting cash, beside the stored ones. */
  reconcileCheck(): ReconcileReport {
    const acct = this.account();
    const sums = this.st.cashFromFills.get() as { delta: number; realized: number };
    const positions: Record<string, number> = {};
    let openCostUsd = 0;
    for (const p of this.st.positions.all() as PositionRow[]) {
      positions[p.symbol] = p.quantity;
      openCostUsd += p.quantity * p.avg_entry_price + p.entry_fees_usd;
    }
    const positionsFromFills: Record<string, number> = {};
    for (const r of this.st.qtyFromFills.all() as { symbol: string; qty: number }[]) {
      if (r.qty !== 0) positionsFromFills[r.symbol] = r.qty;
    }
    return {
      startingCashUsd: acct.starting_cash_usd,
      cash: acct.cash_usd,
      cashFromFills: acct.starting_cash_usd + sums.delta,
      positions,
      positionsFromFills,
      realizedPnlUsd: sums.realized,
      openCostUsd,
    };
  }

  // ---- plain reads --------------------------------------------------------------------

  /**
   * LIVE: the venue's cash becomes the book's cash (at startup and at every reconcile). The starting
   * cash is restated so that starting cash + booked fills = cash. The first time (a book that started
   * from the configured starting_cash_usd), the high-water mark and the day/week pnl baselines of that
   * fictional figure are dropped: the next marked view sets them from the venue's money.
   */
  setCashFromVenue(cashUsd: number): { first: boolean } {
    if (!Number.isFinite(cashUsd) || cashUsd < 0) throw new StateError(`venue cash must be a number >= 0, got ${cashUsd}`);
    return this.transaction(() => {
      const first = this.getMeta(CASH_SOURCE_KEY) !== 'venue';
      const sums = this.st.cashFromFills.get() as { delta: number };
      this.st.setCash.run(cashUsd);
      this.st.setStartingCash.run(cashUsd - sums.delta);
      if (first) {
        this.st.setHighWaterMark.run(cashUsd); // the next marked view raises it to the equity
        this.st.clearBaselines.run();
        this.setMeta(CASH_SOURCE_KEY, 'venue');
      }
      return { first };
    });
  }

  /**
   * LIVE: closes what is left of a position as dust (too small for the venue to sell) without a fill:
   * the quantity moves to the dust ledger (meta, per asset), which reconciliation expects on the venue.
   * Returns the quantity moved (0 when there was no position).
   */
  moveToDust(symbol: string): number {
    return this.transaction(() => {
      const pos = this.st.position.get(symbol) as PositionRow | undefined;
      if (!pos) return 0;
      this.st.deletePosition.run(symbol);
      this.lastMarks.delete(symbol);
      this.addDust(symbol.split('-')[0] as string, pos.quantity);
      return pos.quantity;
    });
  }

  /** LIVE: adds to an asset's dust (a remainder a sell left that the book closed as rounding). */
  addDust(asset: string, quantity: number): void {
    if (!(quantity > 0)) return;
    const dust = this.dust();
    dust[asset] = (dust[asset] ?? 0) + quantity;
    this.setMeta(DUST_KEY, JSON.stringify(dust));
  }

  /** LIVE: dust per asset (quantities left over by exits, below what the venue sells). */
  dust(): Record<string, number> {
    const raw = this.getMeta(DUST_KEY);
    return raw ? (JSON.parse(raw) as Record<string, number>) : {};
  }

  /** Cash in USD. */
  cash(): number {
    return this.account().cash_usd;
  }

  /** The cash this book started with (set when its database was created). */
  startingCashUsd(): number {
    return this.account().starting_cash_usd;
  }

  /** Open positions by symbol order (no marks; see view()). */
  positions(): Position[] {
    return this.positionList().slice();
  }

  /** One open position, if any. */
  position(symbol: string): Position | undefined {
    return this.positionList().find((p) => p.symbol === symbol);
  }

  /** Losing exits in a row since the last winning one. */
  consecutiveLosses(): number {
    return this.account().consecutive_losses;
  }

  /** The highest equity any view has seen (starting cash before the first). */
  highWaterMarkUsd(): number {
    return this.account().high_water_mark_usd;
  }

  // ---- temporary bans -------------------------------------------------------------------

  /** Bans `symbol` from new entries until `until` (ms), replacing any earlier ban. */
  setBan(symbol: string, until: number, reason: string): void {
    this.st.setBan.run(symbol, until, reason);
  }

  /** Lifts a ban. */
  clearBan(symbol: string): void {
    this.st.clearBan.run(symbol);
  }

  /** Bans still in force at `now`: symbol -> until (ms), the shape selectUniverse takes. */
  bans(now: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const b of this.activeBanRows(now)) out[b.symbol] = b.until;
    return out;
  }

  /** Bans still in force at `now`: symbol -> until and why. */
  activeBans(now: number): Record<string, { until: number; reason: string }> {
    const out: Record<string, { until: number; reason: string }> = {};
    for (const b of this.activeBanRows(now)) {
      out[b.symbol] = { until: b.until, reason: b.reason };
    }
    return out;
  }

  // ---- order intents ------------------------------------------------------------------

  /** Records an order before it is sent. Returns false (and changes nothing) if the id is already recorded. */
  recordIntent(i: IntentInput): boolean {
    const status = i.status ?? 'pending';
    checkStatus(status);
    return (
      this.st.insertIntent.run({
        client_order_id: i.clientOrderId,
        symbol: i.symbol,
        side: i.side,
        quantity: i.quantity,
        price: i.price,
        config_hash: i.configHash,
        cycle: i.cycle,
        status,
        ts: i.ts,
        stop_price: i.stopPrice ?? null,
      }).changes === 1
    );
  }

  /** Moves an intent to a new status (keeping exchangeOrderId/error unless given). False if no such intent. */
  updateIntent(clientOrderId: string, u: IntentUpdate): boolean {
    checkStatus(u.status);
    return (
      this.st.updateIntent.run({
        client_order_id: clientOrderId,
        status: u.status,
        ts: u.ts,
        set_exchange_order_id: u.exchangeOrderId === undefined ? 0 : 1,
        exchange_order_id: u.exchangeOrderId ?? null,
        set_error: u.error === undefined ? 0 : 1,
        error: u.error ?? null,
      }).changes === 1
    );
  }

  /** One intent by client order id. */
  getIntent(clientOrderId: string): IntentRow | undefined {
    const row = this.st.intent.get(clientOrderId) as IntentDbRow | undefined;
    return row && toIntent(row);
  }

  /** Intents in any of `statuses`, oldest first (e.g. ['pending', 'sent', 'unknown'] at startup). */
  listIntents(statuses: readonly IntentStatus[]): IntentRow[] {
    return (this.st.intentsByStatus.all(JSON.stringify(statuses)) as IntentDbRow[]).map(toIntent);
  }

  // ---- halt latch and key-value ---------------------------------------------------------

  /** Latches a halt (kept across restarts) or, with null, clears it. */
  setHalt(h: HaltInfo | null): void {
    this.st.setHalt.run(h?.reason ?? null, h?.by ?? null, h?.ts ?? null);
  }

  /** The latched halt, or null when trading is not halted. */
  halt(): HaltInfo | null {
    const a = this.account();
    return a.halt_reason === null ? null : { reason: a.halt_reason, by: a.halt_by ?? '', ts: a.halt_ts ?? 0 };
  }

  /** A stored string, if any. */
  getMeta(key: string): string | undefined {
    const { meta } = this.cache;
    if (meta.has(key)) return meta.get(key);
    const value = this.st.getMeta.get(key) as string | undefined;
    meta.set(key, value);
    return value;
  }

  /** Stores a string under `key` (JSON-encode anything richer). */
  setMeta(key: string, value: string): void {
    this.st.setMeta.run(key, value);
  }

  /** Removes `key`. */
  deleteMeta(key: string): void {
    this.st.deleteMeta.run(key);
  }

  private account(): AccountRow {
    return (this.cache.account ??= this.st.account.get() as AccountRow);
  }

  /** Cooldowns in force at `now` by symbol and reason (see inForce). */
  private activeCooldowns(now: number): readonly CooldownRow[] {
    const got = inForce(this.cache.cooldowns, now, () => this.st.activeCooldowns.all(now) as CooldownRow[]);
    this.cache.cooldowns = got.cache;
    return got.rows;
  }

  /**
   * Entries (fills, and buys in flight) with from < ts <= to, oldest first, as new objects. The rows
   * read after an earlier `from` serve a later one, filtered, until fills or intents are written.
   */
  private recentEntries(from: number, to: number): PortfolioView['recentTrades'] {
    let seen = this.cache.entries;
    if (!seen || from < seen.from) seen = this.cache.entries = { from, rows: this.st.recentEntriesAfter.all({ from }) as EntryRow[] };
    else if (from > seen.from) {
      // Rows at or before `from` serve no later window: drop them (fills keep adding rows, never re-read).
      let old = 0;
      while (old < seen.rows.length && seen.rows[old]!.ts <= from) old++;
      if (old > 0) seen.rows.splice(0, old);
      seen.from = from;
    }
    const out: PortfolioView['recentTrades'] = [];
    for (const t of seen.rows) if (t.ts > from && t.ts <= to) out.push({ symbol: t.symbol, side: t.side, ts: t.ts });
    return out;
  }

  /** Bans in force at `now` (see inForce). */
  private activeBanRows(now: number): readonly BanRow[] {
    const got = inForce(this.cache.bans, now, () => this.st.activeBans.all(now) as BanRow[]);
    this.cache.bans = got.cache;
    return got.rows;
  }

  /** The highest start-of-day equity of the days starting after `since` (null for none); rows reused for a later `since` as inForce reuses them. */
  private peakDayBaseline(since: number): number | null {
    let seen = this.cache.dayBaselines;
    if (!seen || since < seen.since) seen = this.cache.dayBaselines = { since, rows: this.st.dayBaselinesAfter.all(since) as DayBaselineRow[] };
    let peak: number | null = null;
    for (const r of seen.rows) if (r.start_ts > since && (peak === null || r.equity_usd > peak)) peak = r.equity_usd;
    return peak;
  }

  /**
   * Runs a statement that writes only the account row's `patch` fields, keeping the cached row (the
   * statement cleared it) with those fields changed: a fill is then not followed by a read of it.
   */
  private writeAccount(run: () => unknown, patch: Partial<AccountRow>): void {
    const acct = this.cache.account;
    run();
    if (acct) this.cache.account = { ...acct, ...patch };
  }

  /** Runs a statement that writes positions, keeping the cached rows as `change` makes them (sorted by symbol, as the query gives them). */
  private writePositions(run: () => unknown, change: (rows: readonly PositionRow[]) => PositionRow[]): void {
    const rows = this.cache.positions;
    run();
    if (rows) this.cache.positions = change(rows).sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  /** The positions rows by symbol (the cache's; never handed out). */
  private positionRows(): readonly PositionRow[] {
    return (this.cache.positions ??= this.st.positions.all() as PositionRow[]);
  }

  /**
   * The positions as read models, made once per version of the cached rows (a write makes a new
   * rows array) and frozen, since they are handed out: a cycle asks for them a dozen times.
   */
  private positionList(): readonly Position[] {
    const rows = this.positionRows();
    if (this.positionViews?.rows !== rows) this.positionViews = { rows, list: rows.map((r) => Object.freeze(toPosition(r))) };
    return this.positionViews.list;
  }
}

/** The tables whose reads StateStore caches. */
const CACHED_TABLES = ['account', 'positions', 'meta', 'cooldowns', 'pnl_baselines', 'bans', 'fills', 'order_intents'] as const;
type CachedTable = (typeof CACHED_TABLES)[number];

/** What StateStore keeps of its reads until its next write to their table. */
interface ReadCache {
  account?: AccountRow;
  positions?: PositionRow[];
  meta: Map<string, string | undefined>;
  /** `period:start` → stored baseline equity (undefined: none stored). */
  baselines: Map<string, number | undefined>;
  /** The cooldown rows in force at `at`. */
  cooldowns?: { at: number; rows: CooldownRow[] };
  /** The day baselines starting after `since`. */
  dayBaselines?: { since: number; rows: DayBaselineRow[] };
  /** The ban rows in force at `at`. */
  bans?: { at: number; rows: BanRow[] };
  /** The entries (recentEntriesAfter) after `from`. */
  entries?: { from: number; rows: EntryRow[] };
}

/**
 * Rows in force at `now` (until > now): the rows read for an earlier time serve a later one, filtered
 * (a row that had ended then has ended now), until the table is written (the cache is then cleared).
 */
function inForce<R extends { until: number }>(cache: { at: number; rows: R[] } | undefined, now: number, read: () => R[]): { rows: readonly R[]; cache: { at: number; rows: R[] } } {
  if (cache && now >= cache.at) return { rows: cache.rows.filter((r) => r.until > now), cache };
  const rows = read();
  return { rows, cache: { at: now, rows } };
}

type CooldownRow = { symbol: string; reason: 'per_symbol' | 'after_loss'; until: number };
type DayBaselineRow = { start_ts: number; equity_usd: number };
type BanRow = { symbol: string; until: number; reason: string };
type EntryRow = PortfolioView['recentTrades'][number];

/**
 * Makes every statement that can write (better-sqlite3's `readonly` is false) clear, before it
 * runs, the cached reads of the tables its SQL names (the cycle counter's update keeps the positions).
 */
function clearingOnWrite(st: Statements, clear: (tables: CachedTable[]) => void): void {
  for (const s of Object.values(st) as Database.Statement[]) {
    if (s.readonly) continue;
    const tables = CACHED_TABLES.filter((t) => new RegExp(`\\b${t}\\b`).test(s.source));
    if (tables.length === 0) continue;
    const { run, get, all } = s;
    s.run = (...args: unknown[]) => (clear(tables), run.apply(s, args));
    s.get = (...args: unknown[]) => (clear(tables), get.apply(s, args));
    s.all = (...args: unknown[]) => (clear(tables), all.apply(s, args));
  }
}

/** The position after a buy: new, or averaged into the existing one. */
function boughtPosition(pos: PositionRow | undefined, f: FillInput): PositionRow {
  const quantity = (pos?.quantity ?? 0) + f.quantity;
  const avg = pos ? averageEntry(pos.quantity, pos.avg_entry_price, f.quantity, f.price) : f.price;
  const stopPct = f.stopLossPct ?? pos?.stop_loss_pct ?? null;
  const takePct = f.takeProfitPct ?? pos?.take_profit_pct ?? null;
  const holdHours = f.maxHoldHours ?? pos?.max_hold_hours ?? null;
  const entryTime = pos?.entry_time ?? f.ts;
  const { stopLossPrice, takeProfitPrice } = exitPrices(avg, stopPct, takePct);
  return {
    symbol: f.symbol,
    quantity,
    avg_entry_price: avg,
    entry_fees_usd: (pos?.entry_fees_usd ?? 0) + f.feeUsd,
    entry_time: entryTime,
    tier: pos?.tier ?? f.tier,
    cluster: pos ? pos.cluster : (f.cluster ?? null),
    stop_loss_pct: stopPct,
    take_profit_pct: takePct,
    max_hold_hours: holdHours,
    stop_loss_price: stopLossPrice,
    take_profit_price: takeProfitPrice,
    max_hold_until: holdHours === null ? null : Math.round(entryTime + holdHours * HOUR_MS),
  };
}

/** Row -> read model. An unset stop is 0 and an unset take-profit or hold limit is Infinity: never triggered. */
function toPosition(r: PositionRow): Position {
  const p: Position = {
    symbol: r.symbol,
    quantity: r.quantity,
    avgEntryPrice: r.avg_entry_price,
    entryTime: r.entry_time,
    tier: r.tier as TierName,
    stopLossPrice: r.stop_loss_price ?? 0,
    takeProfitPrice: r.take_profit_price ?? Infinity,
    maxHoldUntil: r.max_hold_until ?? Infinity,
  };
  if (r.cluster !== null) p.cluster = r.cluster;
  return p;
}

function toIntent(r: IntentDbRow): IntentRow {
  return {
    clientOrderId: r.client_order_id,
    symbol: r.symbol,
    side: r.side,
    quantity: r.quantity,
    price: r.price,
    configHash: r.config_hash,
    cycle: r.cycle,
    status: r.status as IntentStatus,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    exchangeOrderId: r.exchange_order_id,
    error: r.error,
    stopPrice: r.stop_price ?? null,
  };
}

function checkStatus(s: IntentStatus): void {
  if (!INTENT_STATUSES.includes(s)) throw new StateError(`unknown intent status ${JSON.stringify(s)}`);
}

/** Refuses numbers that would corrupt the book (NaN, zero or negative quantity/price, negative fee). */
function checkFill(f: FillInput): void {
  const bad = (what: string, v: unknown) =>
    new StateError(`fill ${f.clientOrderId}: ${what} must be ${what === 'fee' ? '>= 0' : '> 0'}, got ${v}`);
  if (!(Number.isFinite(f.quantity) && f.quantity > 0)) throw bad('quantity', f.quantity);
  if (!(Number.isFinite(f.price) && f.price > 0)) throw bad('price', f.price);
  if (!(Number.isFinite(f.feeUsd) && f.feeUsd >= 0)) throw bad('fee', f.feeUsd);
  if (!Number.isFinite(f.ts)) throw new StateError(`fill ${f.clientOrderId}: ts must be ms, got ${f.ts}`);
  if (f.side !== 'buy' && f.side !== 'sell') throw new StateError(`fill ${f.clientOrderId}: side must be buy or sell`);
}
