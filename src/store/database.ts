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
