import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextTimeAtOrBelowLimit, priceAtOrBelowLimit } from '../../src/policy/price-limit.ts';

const H = 3_600_000;
const T0 = Date.UTC(2025, 5, 2, 18);
// 18:00 0.30, 19:00 0.20, (20:00 unknown), 21:00 0.10
const slots = [
  { startMs: T0, endMs: T0 + H, pricePerKWh: 0.3 },
  { startMs: T0 + H, endMs: T0 + 2 * H, pricePerKWh: 0.2 },
  { startMs: T0 + 3 * H, endMs: T0 + 4 * H, pricePerKWh: 0.1 },
];

describe('per-charger price limit', () => {
  const rows: { at: number; limit: number; now: boolean; next: number | null }[] = [
    { at: T0, limit: 0.25, now: false, next: T0 + H },
    { at: T0 + 1.5 * H, limit: 0.2, now: true, next: T0 + 1.5 * H }, // at the limit counts
    { at: T0 + 2.5 * H, limit: 1, now: false, next: T0 + 3 * H }, // unknown price: never on a guess
    { at: T0, limit: 0.05, now: false, next: null },
    { at: T0 + 5 * H, limit: 1, now: false, next: null }, // after the last known price
    { at: T0, limit: -0.01, now: false, next: null },
  ];
  for (const row of rows) {
    it(`at +${(row.at - T0) / H} h with limit ${row.limit}: ${row.now ? 'charge fast now' : 'not now'}, next ${row.next === null ? 'none' : `+${(row.next - T0) / H} h`}`, () => {
      assert.equal(priceAtOrBelowLimit(slots, row.at, row.limit), row.now);
      assert.equal(nextTimeAtOrBelowLimit(slots, row.at, row.limit), row.next);
    });
  }
});
