import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pricesFromTariff, SessionAccounting, type AccountingSample } from '../../src/control/session-accounting.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.ts';
import { SessionStore } from '../../src/store/session-store.ts';
import { createSiteTariff } from '../../src/tariffs/site-tariff.ts';
import { tariffConfigSchema } from '../../src/tariffs/tariff-config.ts';

// 20:00 in Berlin (CEST) on a Sunday: the evening peak window below runs 18:00-21:00.
const T0 = Date.UTC(2026, 5, 21, 18, 0, 0);
const MINUTE = 60_000;

const timeOfUse = tariffConfigSchema.parse({
  kind: 'time-of-use', currency: 'EUR', basePricePerKWh: 0.30,
  windows: [{ name: 'peak', from: '18:00', to: '21:00', pricePerKWh: 0.50 }],
  feedIn: { kind: 'fixed', pricePerKWh: 0.08 },
});

interface Row {
  name: string;
  pvW: number | null;
  homeW: number | null;
  cars: { id: string; powerW: number }[];
  /** Expected solar share per car id. */
  share: Record<string, number | null>;
}

describe('session accounting (fake clock, SQLite on disk)', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: SessionStore;
  let accounting: SessionAccounting;
  let clock: FakeClock;

  const open = (tariffConfig: typeof timeOfUse | undefined): void => {
    const tariff = createSiteTariff(tariffConfig, {
      timeZone: 'Europe/Berlin', dataDir: dir, clock, fetch: globalThis.fetch, readText: (p) => readFile(p, 'utf8'),
    });
    store = new SessionStore(db, { unflushed: (c, t) => accounting.unflushed(c, t) });
    accounting = new SessionAccounting({ sink: store, prices: pricesFromTariff(tariff) });
  };
  const start = (chargerId: string, transactionId: string): void =>
    store.record({ kind: 'started', chargerId, transactionId, atMs: clock.nowMs(), meterStartWh: 0 });
  /** One tick per second for `seconds`, every car in transaction "t-<id>". */
  const run = async (seconds: number, sample: Omit<AccountingSample, 'atMs' | 'chargers'>, cars: { id: string; powerW: number }[]): Promise<void> => {
    for (let s = 0; s < seconds; s++) {
      accounting.tick({ atMs: clock.nowMs(), ...sample, chargers: cars.map((c) => ({ ...c, transactionId: `t-${c.id}` })) });
      await clock.advance(1000);
    }
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sunplug-accounting-'));
    db = openDatabase(dir);
    clock = new FakeClock(T0);
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const rows: Row[] = [
    { name: 'all surplus', pvW: 9000, homeW: 1000, cars: [{ id: 'a', powerW: 7000 }], share: { a: 1 } },
    { name: 'part surplus', pvW: 5000, homeW: 1000, cars: [{ id: 'a', powerW: 8000 }], share: { a: 0.5 } },
    { name: 'no sun', pvW: 0, homeW: 400, cars: [{ id: 'a', powerW: 4000 }], share: { a: 0 } },
    { name: 'home eats the sun', pvW: 1500, homeW: 2500, cars: [{ id: 'a', powerW: 4000 }], share: { a: 0 } },
    { name: 'unknown home: all grid', pvW: 8000, homeW: null, cars: [{ id: 'a', powerW: 4000 }], share: { a: 0 } },
    { name: 'unknown PV: all grid', pvW: null, homeW: 300, cars: [{ id: 'a', powerW: 4000 }], share: { a: 0 } },
    { name: 'two cars share the surplus by power', pvW: 7000, homeW: 1000, cars: [{ id: 'a', powerW: 8000 }, { id: 'b', powerW: 4000 }], share: { a: 0.5, b: 0.5 } },
    { name: 'a car drawing nothing is not accounted', pvW: 7000, homeW: 1000, cars: [{ id: 'a', powerW: 4000 }, { id: 'b', powerW: 0 }], share: { a: 1, b: null } },
  ];
  for (const row of rows) {
    it(`splits solar and grid: ${row.name}`, async () => {
      open(timeOfUse);
      for (const car of row.cars) start(car.id, `t-${car.id}`);
      await run(61, { pvW: row.pvW, homeW: row.homeW }, row.cars);
      for (const car of row.cars) {
        const session = store.get(car.id, `t-${car.id}`)!;
        assert.equal(session.solarShare, row.share[car.id], `${car.id}: solar share`);
        if (row.share[car.id] !== null) {
          // 60 one-second intervals at the car's power; the session's energy comes from the accounting (no meter values).
          const wh = (car.powerW * 60) / 3600;
          assert.ok(Math.abs(session.solarWh! - wh * row.share[car.id]!) < 0.1, `${car.id}: solar Wh ${session.solarWh}`);
        }
      }
    });
  }

  it('prices grid energy with the time-of-use price at that time and solar energy at the feed-in price', async () => {
    open(timeOfUse);
    start('a', 't-a');
    // 20:00-21:00 local at peak price 0.50: 11 kW, half from the sun.
    await run(3600, { pvW: 6500, homeW: 1000 }, [{ id: 'a', powerW: 11_000 }]);
    // 21:00-22:00 local at the base price 0.30: 11 kW, no sun.
    await run(3600, { pvW: 0, homeW: 1000 }, [{ id: 'a', powerW: 11_000 }]);
    store.record({ kind: 'ended', chargerId: 'a', transactionId: 't-a', atMs: clock.nowMs(), meterStopWh: 22_000 });
    accounting.sessionEnded('a', 't-a');
    const session = store.get('a', 't-a')!;
    assert.equal(session.energyWh, 22_000);
    // The first tick starts the count (nothing before it), so the shares are 0.25 to within a second's energy.
    assert.ok(Math.abs(session.solarShare! - 0.25) < 0.001, `share ${session.solarShare}`);
    assert.ok(Math.abs(session.solarWh! - 5500) < 5, `solar ${session.solarWh} Wh`);
    // Peak hour: 5.5 kWh grid × 0.50 + 5.5 kWh solar × 0.08; base hour: 11 kWh × 0.30.
    assert.ok(Math.abs(session.cost! - (5.5 * 0.5 + 5.5 * 0.08 + 11 * 0.3)) < 0.01, `cost ${session.cost}`);
    assert.equal(session.currency, 'EUR');
    assert.equal(session.costEstimated, false);
    assert.equal(session.durationMs, 2 * 3_600_000);
  });

  it('without a tariff: solar share known, cost and currency null', async () => {
    open(undefined);
    start('a', 't-a');
    await run(61, { pvW: 3000, homeW: 1000 }, [{ id: 'a', powerW: 4000 }]);
    const session = store.get('a', 't-a')!;
    assert.equal(session.solarShare, 0.5);
    assert.equal(session.cost, null);
    assert.equal(session.currency, null);
  });

  it('writes at least once a minute and at session end; a kill loses at most the last minute', async () => {
    open(timeOfUse);
    start('a', 't-a');
    const stored = (): number => (db.prepare('SELECT accounted_wh AS wh FROM sessions').get() as { wh: number }).wh;
    await run(30, { pvW: 0, homeW: 0 }, [{ id: 'a', powerW: 3600 }]);
    assert.equal(stored(), 0, 'nothing written within the first minute');
    assert.ok(Math.abs(store.get('a', 't-a')!.solarShare! - 0) < 1e-9, 'a running session shows the unflushed totals');
    await run(31, { pvW: 0, homeW: 0 }, [{ id: 'a', powerW: 3600 }]);
    assert.ok(Math.abs(stored() - 60) < 1e-6, 'one minute at 3.6 kW written after a minute');
    await run(20, { pvW: 0, homeW: 0 }, [{ id: 'a', powerW: 3600 }]);
    assert.ok(Math.abs(stored() - 60) < 1e-6);
    // A new process over the same file (the first was killed): the written minute survives, priced at the peak rate.
    const reopened = new SessionStore(db);
    assert.equal(reopened.get('a', 't-a')!.cost, 0.03, '60 Wh at 0.50 EUR/kWh (20:00 local is in the peak window)');
    // The session ends: everything accounted so far is written at once, without waiting for the minute.
    store.record({ kind: 'ended', chargerId: 'a', transactionId: 't-a', atMs: clock.nowMs() });
    accounting.sessionEnded('a', 't-a');
    assert.ok(Math.abs(stored() - 80) < 1e-6);
    assert.equal(accounting.unflushed('a', 't-a'), undefined);
  });
  it('does not fill a gap between ticks, and keeps the totals of a session not stored yet until it is', async () => {
    open(timeOfUse);
    await run(61, { pvW: 0, homeW: 0 }, [{ id: 'a', powerW: 3600 }]);
    assert.ok(Math.abs(accounting.unflushed('a', 't-a')!.accountedWh - 60) < 1e-6, 'kept while the session row is missing');
    start('a', 't-a');
    await clock.advance(10 * MINUTE);
    await run(2, { pvW: 0, homeW: 0 }, [{ id: 'a', powerW: 3600 }]);
    accounting.flush();
    const session = store.get('a', 't-a')!;
    assert.ok(Math.abs(session.energyWh - 61) < 1e-6, `the ten silent minutes count nothing: ${session.energyWh} Wh`);
  });
});
