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
    const [day] = history.range(T - 8 * 3_600_000, T + 16 * 3_600_000, 'day');
    assert.equal(day!.homeW, 500);
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
});
