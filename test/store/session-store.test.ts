import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.ts';
import { SessionStore } from '../../src/store/session-store.ts';

const T = Date.UTC(2026, 5, 21, 8, 0, 0);
const key = { chargerId: 'garage', transactionId: '42' };

describe('session store (SQLite on disk)', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: SessionStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sunplug-sessions-'));
    db = openDatabase(dir);
    store = new SessionStore(db);
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records a session from start to stop with energy from the meter registers, peak power and stop reason', () => {
    store.record({ kind: 'started', ...key, atMs: T, idTag: 'CARD-1', meterStartWh: 10_000 });
    store.record({ kind: 'meter', ...key, atMs: T + 60_000, sessionEnergyWh: 150, powerW: 9000 });
    store.record({ kind: 'meter', ...key, atMs: T + 120_000, sessionEnergyWh: 300, powerW: 11_000 });
    store.record({ kind: 'ended', ...key, atMs: T + 3_600_000, meterStopWh: 21_000, stopReason: 'EVDisconnected' });
    const [session] = store.list();
    assert.deepEqual(session, {
      id: session!.id, chargerId: 'garage', transactionId: '42', idTag: 'CARD-1', owner: null, startedAtMs: T, stoppedAtMs: T + 3_600_000,
      meterStartWh: 10_000, meterStopWh: 21_000, energyWh: 11_000, peakPowerW: 11_000, stopReason: 'EVDisconnected',
      solarWh: null, solarShare: null, cost: null, currency: null, costEstimated: false, durationMs: 3_600_000,
    });
  });

  it('a repeated start (a charger retransmitting after a reconnect) does not double the session', () => {
    store.record({ kind: 'started', ...key, atMs: T, idTag: 'CARD-1', meterStartWh: 0 });
    store.record({ kind: 'started', ...key, atMs: T, idTag: 'CARD-1', meterStartWh: 0 });
    assert.equal(store.list().length, 1);
  });

  it('a session seen only through meter values (Sunplug restarted mid-charge) is adopted and later closed', () => {
    store.record({ kind: 'meter', ...key, atMs: T, sessionEnergyWh: 500, powerW: 4000 });
    store.record({ kind: 'ended', ...key, atMs: T + 60_000, sessionEnergyWh: 800 });
    const [session] = store.list();
    assert.equal(session!.energyWh, 800);
    assert.equal(session!.stoppedAtMs, T + 60_000);
  });

  it('survives closing and reopening the database file, as after a power cut', () => {
    store.record({ kind: 'started', ...key, atMs: T, meterStartWh: 0 });
    store.record({ kind: 'ended', ...key, atMs: T + 1000, meterStopWh: 1234 });
    db.close();
    db = openDatabase(dir);
    store = new SessionStore(db);
    assert.equal(store.get('garage', '42')?.energyWh, 1234);
  });

  it('lists newest first, with filters by charger, card and time', () => {
    store.record({ kind: 'started', chargerId: 'a', transactionId: '1', atMs: T, idTag: 'X' });
    store.record({ kind: 'started', chargerId: 'b', transactionId: '2', atMs: T + 1000, idTag: 'Y' });
    store.record({ kind: 'started', chargerId: 'a', transactionId: '3', atMs: T + 2000, idTag: 'Y' });
    assert.deepEqual(store.list().map((s) => s.transactionId), ['3', '2', '1']);
    assert.deepEqual(store.list({ chargerId: 'a' }).map((s) => s.transactionId), ['3', '1']);
    assert.deepEqual(store.list({ idTag: 'Y', limit: 1 }).map((s) => s.transactionId), ['3']);
    assert.deepEqual(store.list({ fromMs: T + 500, toMs: T + 1500 }).map((s) => s.transactionId), ['2']);
  });
});
