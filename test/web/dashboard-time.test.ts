import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

// The browser modules, as served: plain ES modules without types.
type Point = { atMs: number; pvW: number | null; homeW: number | null; chargersW: number | null; gridW: number | null; minutes: number };
const time = await import(new URL('../../web/time.js', import.meta.url).href) as {
  localToUtc(y: number, m: number, d: number, h: number, min: number, tz: string): number;
  addLocalDays(ms: number, days: number, tz: string): number;
  startOfLocalDay(ms: number, tz: string): number;
  parseLocal(text: string, tz: string): number | undefined;
  isoLocalDateTime(ms: number, tz: string): string;
};
const history = await import(new URL('../../web/pages/history.js', import.meta.url).href) as {
  periodRange(period: string, anchorMs: number, tz: string): [number, number];
  energyBuckets(points: Point[], period: string, tz: string): { buckets: { key: string; pvWh: number; chargersWh: number; importWh: number; exportWh: number }[]; total: { pvWh: number; importWh: number; exportWh: number } };
};

const H = 3_600_000;
const BERLIN = 'Europe/Berlin';

describe('dashboard time helpers (site time zone, not the browser\'s)', () => {
  it('converts wall times of the site to instants, across daylight saving changes', () => {
    assert.equal(time.localToUtc(2026, 6, 21, 12, 0, BERLIN), Date.UTC(2026, 5, 21, 10, 0));
    assert.equal(time.localToUtc(2026, 1, 15, 12, 0, BERLIN), Date.UTC(2026, 0, 15, 11, 0));
    assert.equal(time.localToUtc(2026, 6, 21, 12, 0, 'America/Sao_Paulo'), Date.UTC(2026, 5, 21, 15, 0));
    // 29 March 2026 has 23 hours in Berlin, 25 October 25.
    assert.equal(time.addLocalDays(Date.UTC(2026, 2, 29, 10), 1, BERLIN) - time.startOfLocalDay(Date.UTC(2026, 2, 29, 10), BERLIN), 23 * H);
    assert.equal(time.addLocalDays(Date.UTC(2026, 9, 25, 10), 1, BERLIN) - time.startOfLocalDay(Date.UTC(2026, 9, 25, 10), BERLIN), 25 * H);
    assert.equal(time.parseLocal('2026-06-22T07:30', BERLIN), Date.UTC(2026, 5, 22, 5, 30));
    assert.equal(time.parseLocal('22/06/2026', BERLIN), undefined);
    assert.equal(time.isoLocalDateTime(Date.UTC(2026, 5, 22, 5, 30), BERLIN), '2026-06-22T07:30');
  });

  it('history periods are local days, Monday weeks, months and years of the site', () => {
    const sunday = Date.UTC(2026, 5, 21, 10);
    assert.deepEqual(history.periodRange('day', sunday, BERLIN), [Date.UTC(2026, 5, 20, 22), Date.UTC(2026, 5, 21, 22)]);
    assert.deepEqual(history.periodRange('week', sunday, BERLIN), [Date.UTC(2026, 5, 14, 22), Date.UTC(2026, 5, 21, 22)]);
    assert.deepEqual(history.periodRange('month', sunday, BERLIN), [Date.UTC(2026, 4, 31, 22), Date.UTC(2026, 5, 30, 22)]);
    assert.deepEqual(history.periodRange('year', sunday, BERLIN), [Date.UTC(2025, 11, 31, 23), Date.UTC(2026, 11, 31, 23)]);
    assert.deepEqual(history.periodRange('month', Date.UTC(2026, 11, 15), BERLIN), [Date.UTC(2026, 10, 30, 23), Date.UTC(2026, 11, 31, 23)]);
  });

  it('energy per local day from mean powers and minutes of data; grid split into import and export', () => {
    const points: Point[] = [
      // 23:00-24:00 UTC on the 20th is 01:00 on the 21st in Berlin: same local day as the noon hour.
      { atMs: Date.UTC(2026, 5, 20, 23), pvW: 0, homeW: 400, chargersW: 0, gridW: 400, minutes: 60 },
      { atMs: Date.UTC(2026, 5, 21, 10), pvW: 6000, homeW: 500, chargersW: 4000, gridW: -1500, minutes: 30 },
      { atMs: Date.UTC(2026, 5, 21, 22), pvW: null, homeW: 300, chargersW: 0, gridW: 300, minutes: 60 },
    ];
    const { buckets, total } = history.energyBuckets(points, 'week', BERLIN);
    assert.deepEqual(buckets.map((b) => [b.key, b.pvWh, b.chargersWh, b.importWh, b.exportWh]), [
      ['2026-06-21', 3000, 2000, 400, 750],
      ['2026-06-22', 0, 0, 300, 0],
    ]);
    assert.deepEqual([total.pvWh, total.importWh, total.exportWh], [3000, 700, 750]);
    assert.deepEqual(history.energyBuckets(points, 'year', BERLIN).buckets.map((b) => b.key), ['2026-06']);
  });
});
