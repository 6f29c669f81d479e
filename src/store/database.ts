import Database from 'better-sqlite3';
import { join } from 'node:path';

export type SqliteDatabase = Database.Database;

/**
 * Schema migrations, applied in order and recorded in `user_version`. Never edit a shipped migration: add one.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE sessions (
     id INTEGER PRIMARY KEY,
     charger_id TEXT NOT NULL,
     transaction_id TEXT NOT NULL,
     id_tag TEXT,
     started_at_ms INTEGER NOT NULL,
     stopped_at_ms INTEGER,
     meter_start_wh REAL,
     meter_stop_wh REAL,
     energy_wh REAL NOT NULL DEFAULT 0,
     peak_power_w REAL NOT NULL DEFAULT 0,
     stop_reason TEXT,
     UNIQUE (charger_id, transaction_id)
   );
   CREATE INDEX sessions_started ON sessions (started_at_ms DESC);
   CREATE TABLE history_minute (
     minute_ms INTEGER PRIMARY KEY,
     grid_w REAL, pv_w REAL, home_w REAL, battery_w REAL, chargers_w REAL NOT NULL,
     samples INTEGER NOT NULL
   );
   CREATE TABLE history_hour (
     hour_ms INTEGER PRIMARY KEY,
     grid_w REAL, pv_w REAL, home_w REAL, battery_w REAL, chargers_w REAL NOT NULL,
     minutes INTEGER NOT NULL
   );`,
  // Per-session accounting (control/session-accounting.ts): integrated energy, its solar part, the energy that had a
  // known price and what it cost, in the tariff's currency.
  `ALTER TABLE sessions ADD COLUMN accounted_wh REAL NOT NULL DEFAULT 0;
   ALTER TABLE sessions ADD COLUMN solar_wh REAL NOT NULL DEFAULT 0;
   ALTER TABLE sessions ADD COLUMN priced_wh REAL NOT NULL DEFAULT 0;
   ALTER TABLE sessions ADD COLUMN cost REAL NOT NULL DEFAULT 0;
   ALTER TABLE sessions ADD COLUMN currency TEXT;`,
  // Authentication (api/auth): the admin's scrypt password hash, login sessions and API tokens (SHA-256 hashes only).
  `CREATE TABLE auth_admin (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     password_hash TEXT NOT NULL,
     changed_at_ms INTEGER NOT NULL
   );
   CREATE TABLE auth_sessions (
     token_hash TEXT PRIMARY KEY,
     created_at_ms INTEGER NOT NULL,
     last_used_at_ms INTEGER NOT NULL,
     expires_at_ms INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE auth_tokens (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     created_at_ms INTEGER NOT NULL,
     last_used_at_ms INTEGER
   );`,
  // RFID cards and their sync to the chargers' local lists, firmware files, firmware/diagnostics jobs, reservations
  // (chargers/cards, chargers/firmware, chargers/remote-control). Job tokens are kept as SHA-256 hashes only.
  `CREATE TABLE cards (
     id_tag TEXT PRIMARY KEY,
     name TEXT NOT NULL DEFAULT '',
     owner TEXT NOT NULL DEFAULT '',
     status TEXT NOT NULL CHECK (status IN ('accepted', 'blocked')),
     token_type TEXT,
     expires_at_ms INTEGER,
     created_at_ms INTEGER NOT NULL,
     updated_at_ms INTEGER NOT NULL
   );
   CREATE TABLE unknown_cards (
     id_tag TEXT PRIMARY KEY,
     token_type TEXT,
     charger_id TEXT NOT NULL,
     first_seen_ms INTEGER NOT NULL,
     last_seen_ms INTEGER NOT NULL,
     times_seen INTEGER NOT NULL DEFAULT 1
   );
   CREATE TABLE local_lists (
     charger_id TEXT PRIMARY KEY,
     version INTEGER NOT NULL,
     entries TEXT NOT NULL,
     synced_at_ms INTEGER NOT NULL
   );
   CREATE TABLE firmware_files (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     uploaded_at_ms INTEGER NOT NULL
   );
   CREATE TABLE charger_jobs (
     id INTEGER PRIMARY KEY,
     charger_id TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('firmware', 'diagnostics')),
     token_hash TEXT NOT NULL UNIQUE,
     firmware_id TEXT,
     status TEXT NOT NULL,
     history TEXT NOT NULL DEFAULT '[]',
     open INTEGER NOT NULL DEFAULT 1,
     created_at_ms INTEGER NOT NULL,
     updated_at_ms INTEGER NOT NULL,
     expires_at_ms INTEGER NOT NULL,
     upload_name TEXT,
     upload_size INTEGER,
     upload_sha256 TEXT
   );
   CREATE INDEX charger_jobs_charger ON charger_jobs (charger_id, id DESC);
   CREATE TABLE reservations (
     id INTEGER PRIMARY KEY,
     charger_id TEXT NOT NULL,
     connector_id INTEGER NOT NULL,
     id_tag TEXT NOT NULL,
     expires_at_ms INTEGER NOT NULL,
     status TEXT NOT NULL,
     created_at_ms INTEGER NOT NULL
   );`,
];

/**
 * Opens (or creates) `sunplug.db` in the data directory: WAL for concurrent readers, synchronous=FULL so that a
 * finished session survives a power cut, and the migrations above.
 */
export function openDatabase(dataDir: string, file = 'sunplug.db'): SqliteDatabase {
  const db = new Database(join(dataDir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
  return db;
}
