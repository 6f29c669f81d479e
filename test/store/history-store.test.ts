import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/database.ts';
import { HistoryStore } from '../../src/store/history-store.ts';

const T = Date.UTC(2026, 5, 21, 8, 0, 0);

describe('history store', () => {
  it('averages samples per minute, writes a minute when the next begins, and keeps hourly averages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sunplug-history-'));
    const db = openDatabase(dir);
    const history = new HistoryStore(db);
    for (let s = 0; s < 180; s++) {
      const minute = Math.floor(s / 60);
      history.add(T + s * 1000, { gridW: 100 * (minute + 1), pvW: minute === 1 ? null : 1000, homeW: 500, batteryW: null, chargersW: 0 });
    }
    assert.deepEqual(history.range(T, T + 3_600_000, 'minute').map((p) => [p.gridW, p.pvW]), [[100, 1000], [200, null]],
      'the third minute is still in progress');
    history.flush();
    const minutes = history.range(T, T + 3_600_000, 'minute');
    assert.equal(minutes.length, 3);
    const [hour] = history.range(T, T + 3_600_000, 'hour');
    assert.equal(hour!.gridW, 200);
    assert.equal(hour!.pvW, 1000, 'an unknown minute does not pull the hourly mean to zero');
    assert.equal(hour!.batteryW, null);
    assert.equal(hour!.minutes, 3);
    const [day] = history.range(T - 8 * 3_600_000, T + 16 * 3_600_000, 'day');
    assert.equal(day!.homeW, 500);
    assert.equal(day!.minutes, 3);
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('deletes minute rows past the retention but keeps the hours', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sunplug-history-'));
    const db = openDatabase(dir);
    const history = new HistoryStore(db, 2 * 3_600_000);
    history.add(T, { gridW: 1, pvW: 1, homeW: 1, batteryW: null, chargersW: 1 });
    history.add(T + 60_000, { gridW: 1, pvW: 1, homeW: 1, batteryW: null, chargersW: 1 });
    history.add(T + 5 * 3_600_000, { gridW: 1, pvW: 1, homeW: 1, batteryW: null, chargersW: 1 });
    assert.equal(history.range(T, T + 60_000, 'minute').length, 0);
    assert.equal(history.range(T, T + 3_600_000, 'hour').length, 1);
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('weights each hour of a day by its minutes of data, so that the day\'s energy is right', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sunplug-history-'));
    const db = openDatabase(dir);
    const history = new HistoryStore(db);
    // 60 minutes at 1 kW PV in one hour, then 6 minutes at 4 kW in the next: 1 kWh + 0.4 kWh.
    for (let m = 0; m < 60; m++) history.add(T + m * 60_000, { gridW: null, pvW: 1000, homeW: 0, batteryW: null, chargersW: 0 });
    for (let m = 60; m <= 66; m++) history.add(T + m * 60_000, { gridW: null, pvW: 4000, homeW: 0, batteryW: null, chargersW: 0 });
    const [day] = history.range(T - 8 * 3_600_000, T + 16 * 3_600_000, 'day');
    assert.equal(day!.minutes, 66);
    assert.ok(Math.abs((day!.pvW! * day!.minutes) / 60 - 1400) < 1e-6, `PV ${day!.pvW} W over ${day!.minutes} min`);
    assert.equal(day!.gridW, null, 'no grid data: null, not 0');
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
});
