import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageSlots, coveredUntilMs, mergeEqualNeighbours, overlaySlots, priceAt, retailPricePerKWh, slotListProblems,
  slotsInWindow, splitSlots, withSurcharges,
} from '../../src/tariffs/price-slot.ts';

const Q = 900_000;
const H = 3_600_000;
const T0 = Date.UTC(2025, 5, 2, 10);
const hourly = [
  { startMs: T0, endMs: T0 + H, pricePerKWh: 0.3 },
  { startMs: T0 + H, endMs: T0 + 2 * H, pricePerKWh: 0.2 },
  { startMs: T0 + 3 * H, endMs: T0 + 4 * H, pricePerKWh: 0.1 },
];

describe('price slots', () => {
  it('looks a price up by time, and says undefined in a gap instead of guessing', () => {
    assert.equal(priceAt(hourly, T0), 0.3);
    assert.equal(priceAt(hourly, T0 + H - 1), 0.3);
    assert.equal(priceAt(hourly, T0 + H), 0.2);
    assert.equal(priceAt(hourly, T0 + 2.5 * H), undefined);
    assert.equal(priceAt(hourly, T0 + 4 * H), undefined, 'the end is exclusive');
    assert.equal(priceAt(hourly, T0 - 1), undefined);
  });

  it('clips to a window and tells how far prices reach without a gap', () => {
    assert.deepEqual(slotsInWindow(hourly, T0 + 0.5 * H, T0 + 3.5 * H).map((s) => [(s.startMs - T0) / H, (s.endMs - T0) / H]),
      [[0.5, 1], [1, 2], [3, 3.5]]);
    assert.equal(coveredUntilMs(hourly, T0 + 0.5 * H), T0 + 2 * H);
    assert.equal(coveredUntilMs(hourly, T0 + 2.5 * H), T0 + 2.5 * H);
  });

  it('splits hours into quarter hours and averages quarter hours into hours (only complete hours)', () => {
    const quarters = splitSlots(hourly, Q);
    assert.equal(quarters.length, 12);
    assert.ok(quarters.every((s) => s.endMs - s.startMs === Q));
    const q = [0.1, 0.2, 0.3, 0.4].map((p, i) => ({ startMs: T0 + i * Q, endMs: T0 + (i + 1) * Q, pricePerKWh: p }));
    assert.deepEqual(averageSlots([...q, { startMs: T0 + H, endMs: T0 + H + Q, pricePerKWh: 1 }], H).map((s) => s.pricePerKWh.toFixed(2)), ['0.25']);
    assert.deepEqual(mergeEqualNeighbours(quarters).length, 3);
  });

  it('lets newer prices win where they overlap older ones, cutting the older around them', () => {
    const newer = [{ startMs: T0 + 0.5 * H, endMs: T0 + 1.5 * H, pricePerKWh: 9 }];
    assert.deepEqual(overlaySlots(hourly, newer).map((s) => [(s.startMs - T0) / H, (s.endMs - T0) / H, s.pricePerKWh]),
      [[0, 0.5, 0.3], [0.5, 1.5, 9], [1.5, 2, 0.2], [3, 4, 0.1]]);
  });

  it('adds fees and VAT: (market + fees) x (1 + VAT)', () => {
    assert.equal(retailPricePerKWh(0.1, { feesPerKWh: 0.2, vatPct: 19 }).toFixed(4), '0.3570');
    assert.equal(withSurcharges(hourly, undefined)[0]!.pricePerKWh, 0.3);
  });

  it('names the problems of a broken slot list', () => {
    assert.deepEqual(slotListProblems(hourly), []);
    const broken = [{ startMs: T0, endMs: T0 + H, pricePerKWh: 1 }, { startMs: T0 + 0.5 * H, endMs: T0 + 0.5 * H, pricePerKWh: Number.NaN }];
    assert.equal(slotListProblems(broken).length, 2);
  });
});
