/** Every SQL statement the store runs, prepared once when the store opens (never inside a cycle). */
import type Database from 'better-sqlite3';

/** The account row. */
export interface AccountRow {
  mode: string;
  starting_cash_usd: number;
  cash_usd: number;
  high_water_mark_usd: number;
  consecutive_losses: number;
  cycle: number;
  halt_reason: string | null;
  halt_by: string | null;
  halt_ts: number | null;
}

/** A positions row. */
export interface PositionRow {
  symbol: string;
  quantity: number;
  avg_entry_price: number;
  entry_fees_usd: number;
  entry_time: number;
  tier: string;
  cluster: string | null;
  stop_loss_pct: number | null;
  take_profit_pct: number | null;
  max_hold_hours: number | null;
  stop_loss_price: number | null;
  take_profit_price: number | null;
  max_hold_until: number | null;
}

/** A fills row. */
export interface FillDbRow {
  client_order_id: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: number;
  fee_usd: number;
  ts: number;
  realized_pnl_usd: number | null;
  intent: 'entry' | 'exit';
}

/** An order_intents row. */
export interface IntentDbRow {
  client_order_id: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: number | null;
  config_hash: string;
  cycle: number;
  status: string;
  exchange_order_id: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  stop_price: number | null;
}

/** Prepares the store's statements against an open, migrated database. */
export function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    seedAccount: p(
      `INSERT OR IGNORE INTO account (id, mode, starting_cash_usd, cash_usd, high_water_mark_usd)
       VALUES (1, ?, ?, ?, ?)`,
    ),
    account: p(`SELECT * FROM account WHERE id = 1`),
    setCash: p(`UPDATE account SET cash_usd = ? WHERE id = 1`),
    setHighWaterMark: p(`UPDATE account SET high_water_mark_usd = ? WHERE id = 1`),
    setStartingCash: p(`UPDATE account SET starting_cash_usd = ? WHERE id = 1`),
    clearBaselines: p(`DELETE FROM pnl_baselines`),
    setConsecutiveLosses: p(`UPDATE account SET consecutive_losses = ? WHERE id = 1`),
    nextCycle: p(`UPDATE account SET cycle = cycle + 1 WHERE id = 1 RETURNING cycle`).pluck(),
    setCycle: p(`UPDATE account SET cycle = ? WHERE id = 1`),
    setHalt: p(`UPDATE account SET halt_reason = ?, halt_by = ?, halt_ts = ? WHERE id = 1`),

    positions: p(`SELECT * FROM positions ORDER BY symbol`),
    position: p(`SELECT * FROM positions WHERE symbol = ?`),
    upsertPosition: p(
      `INSERT OR REPLACE INTO positions (symbol, quantity, avg_entry_price, entry_fees_usd, entry_time, tier,
         cluster, stop_loss_pct, take_profit_pct, max_hold_hours, stop_loss_price, take_profit_price, max_hold_until)
       VALUES (@symbol, @quantity, @avg_entry_price, @entry_fees_usd, @entry_time, @tier, @cluster, @stop_loss_pct,
         @take_profit_pct, @max_hold_hours, @stop_loss_price, @take_profit_price, @max_hold_until)`,
    ),
    reducePosition: p(`UPDATE positions SET quantity = ?, entry_fees_usd = ? WHERE symbol = ?`),
    deletePosition: p(`DELETE FROM positions WHERE symbol = ?`),

    fillExists: p(`SELECT 1 FROM fills WHERE client_order_id = ?`).pluck(),
    insertFill: p(
      `INSERT INTO fills (client_order_id, symbol, side, quantity, price, fee_usd, ts, realized_pnl_usd, intent)
       VALUES (@client_order_id, @symbol, @side, @quantity, @price, @fee_usd, @ts, @realized_pnl_usd, @intent)`,
    ),
    fillsSince: p(`SELECT * FROM fills WHERE ts >= ? ORDER BY ts, rowid`),
    // Entry fills, plus buy orders sent but not (yet) filled, so spacing and frequency limits see LIVE orders in flight.
    // Without an upper bound: the store keeps the rows and filters them for each later window until fills or intents change.
    recentEntriesAfter: p(
      `SELECT symbol, side, ts FROM fills WHERE intent = 'entry' AND ts > @from
       UNION ALL
       SELECT symbol, side, created_at AS ts FROM order_intents
        WHERE side = 'buy' AND status IN ('sent', 'open', 'unknown') AND created_at > @from
          AND client_order_id NOT IN (SELECT client_order_id FROM fills)
       ORDER BY ts`,
    ),
    cashFromFills: p(
      `SELECT COALESCE(SUM(CASE side WHEN 'buy' THEN -(quantity * price + fee_usd) ELSE quantity * price - fee_usd END), 0) AS delta,
              COALESCE(SUM(realized_pnl_usd), 0) AS realized
         FROM fills`,
    ),
    qtyFromFills: p(
      `SELECT symbol, SUM(CASE side WHEN 'buy' THEN quantity ELSE -quantity END) AS qty FROM fills GROUP BY symbol`,
    ),

    baseline: p(`SELECT equity_usd FROM pnl_baselines WHERE period = ? AND start_ts = ?`).pluck(),
    // The start-of-day equities since a time (the drawdown window's peak is their highest).
    dayBaselinesAfter: p(`SELECT start_ts, equity_usd FROM pnl_baselines WHERE period = 'day' AND start_ts > ?`),
    insertBaseline: p(`INSERT OR IGNORE INTO pnl_baselines (period, start_ts, equity_usd, taken_at) VALUES (?, ?, ?, ?)`),

    // A cooldown is only ever extended: a shorter one set later must not cut an active longer one.
    setCooldown: p(
      `INSERT INTO cooldowns (symbol, reason, until) VALUES (?, ?, ?)
       ON CONFLICT (symbol, reason) DO UPDATE SET until = MAX(until, excluded.until)`,
    ),
    activeCooldowns: p(`SELECT symbol, reason, until FROM cooldowns WHERE until > ? ORDER BY symbol, reason`),

    setBan: p(`INSERT OR REPLACE INTO bans (symbol, until, reason) VALUES (?, ?, ?)`),
    clearBan: p(`DELETE FROM bans WHERE symbol = ?`),
    activeBans: p(`SELECT symbol, until, reason FROM bans WHERE until > ? ORDER BY symbol`),

    insertIntent: p(
      `INSERT OR IGNORE INTO order_intents (client_order_id, symbol, side, quantity, price, config_hash, cycle, status,
         created_at, updated_at, stop_price)
       VALUES (@client_order_id, @symbol, @side, @quantity, @price, @config_hash, @cycle, @status, @ts, @ts, @stop_price)`,
    ),
    updateIntent: p(
      `UPDATE order_intents SET status = @status, updated_at = @ts,
         exchange_order_id = CASE WHEN @set_exchange_order_id THEN @exchange_order_id ELSE exchange_order_id END,
         error = CASE WHEN @set_error THEN @error ELSE error END
       WHERE client_order_id = @client_order_id`,
    ),
    intent: p(`SELECT * FROM order_intents WHERE client_order_id = ?`),
    // One statement for any set of statuses: the list is bound as a JSON array.
    intentsByStatus: p(
      `SELECT * FROM order_intents WHERE status IN (SELECT value FROM json_each(?)) ORDER BY created_at, client_order_id`,
    ),

    getMeta: p(`SELECT value FROM meta WHERE key = ?`).pluck(),
    setMeta: p(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`),
    deleteMeta: p(`DELETE FROM meta WHERE key = ?`),
  };
}

/** The prepared statements, by name. */
export type Statements = ReturnType<typeof prepareStatements>;
