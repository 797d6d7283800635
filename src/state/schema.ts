/** The state database's tables, versioned with PRAGMA user_version; each entry of MIGRATIONS moves one version up. */
import type Database from 'better-sqlite3';
import { StateError } from './errors.ts';

const V1 = `
CREATE TABLE account (
  id                  INTEGER PRIMARY KEY CHECK (id = 1), -- exactly one row
  mode                TEXT    NOT NULL,
  starting_cash_usd   REAL    NOT NULL,
  cash_usd            REAL    NOT NULL,
  high_water_mark_usd REAL    NOT NULL,
  consecutive_losses  INTEGER NOT NULL DEFAULT 0,
  cycle               INTEGER NOT NULL DEFAULT 0,
  halt_reason         TEXT,
  halt_by             TEXT,
  halt_ts             INTEGER
);

CREATE TABLE positions (
  symbol            TEXT    PRIMARY KEY,
  quantity          REAL    NOT NULL,
  avg_entry_price   REAL    NOT NULL,
  entry_fees_usd    REAL    NOT NULL, -- buy fees not yet charged to a sale's realized pnl
  entry_time        INTEGER NOT NULL,
  tier              TEXT    NOT NULL,
  cluster           TEXT,
  stop_loss_pct     REAL,
  take_profit_pct   REAL,
  max_hold_hours    REAL,
  stop_loss_price   REAL,             -- NULL: no stop
  take_profit_price REAL,             -- NULL: no take-profit
  max_hold_until    INTEGER           -- NULL: no time limit
);

CREATE TABLE fills (
  client_order_id  TEXT    PRIMARY KEY, -- makes applyFill idempotent
  symbol           TEXT    NOT NULL,
  side             TEXT    NOT NULL CHECK (side IN ('buy', 'sell')),
  quantity         REAL    NOT NULL,
  price            REAL    NOT NULL,
  fee_usd          REAL    NOT NULL,
  ts               INTEGER NOT NULL,
  realized_pnl_usd REAL,              -- NULL for buys
  intent           TEXT    NOT NULL CHECK (intent IN ('entry', 'exit'))
);
CREATE INDEX fills_ts ON fills (ts);

-- Equity at the first view of each UTC day / ISO week: the baseline for daily and weekly pnl.
CREATE TABLE pnl_baselines (
  period     TEXT    NOT NULL CHECK (period IN ('day', 'week')),
  start_ts   INTEGER NOT NULL,
  equity_usd REAL    NOT NULL,
  taken_at   INTEGER NOT NULL,
  PRIMARY KEY (period, start_ts)
);

CREATE TABLE cooldowns (
  symbol TEXT    NOT NULL,
  reason TEXT    NOT NULL CHECK (reason IN ('per_symbol', 'after_loss')),
  until  INTEGER NOT NULL,
  PRIMARY KEY (symbol, reason)
);
CREATE INDEX cooldowns_until ON cooldowns (until);

CREATE TABLE bans (
  symbol TEXT    PRIMARY KEY,
  until  INTEGER NOT NULL,
  reason TEXT    NOT NULL
);

CREATE TABLE order_intents (
  client_order_id   TEXT    PRIMARY KEY,
  symbol            TEXT    NOT NULL,
  side              TEXT    NOT NULL CHECK (side IN ('buy', 'sell')),
  quantity          REAL    NOT NULL,
  price             REAL,
  config_hash       TEXT    NOT NULL,
  cycle             INTEGER NOT NULL,
  status            TEXT    NOT NULL
    CHECK (status IN ('pending', 'sent', 'unknown', 'filled', 'open', 'cancelled', 'rejected')),
  exchange_order_id TEXT,
  error             TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX order_intents_status ON order_intents (status);
CREATE INDEX order_intents_created ON order_intents (created_at);

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

// A venue-held stop order (LIVE, execution.venue_stop_loss) is an intent with its trigger price; `price` is its limit.
const V2 = `
ALTER TABLE order_intents ADD COLUMN stop_price REAL; -- NULL: not a stop order
`;

/** MIGRATIONS[i] takes a database from user_version i to i + 1. */
const MIGRATIONS: readonly string[] = [V1, V2];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema up to SCHEMA_VERSION in one transaction; refuses a database written by newer code. */
export function migrate(db: Database.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new StateError(
      `${file}: schema version ${current} is newer than this build understands (${SCHEMA_VERSION}); run a newer build`,
    );
  }
  if (current === SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    // PRAGMA cannot take bound parameters; SCHEMA_VERSION is our own integer.
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
