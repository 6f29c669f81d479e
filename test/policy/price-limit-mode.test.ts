import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, INITIAL_POLICY_STATE } from '../../src/policy/decide.ts';
import { charger, grid, settings, T0 } from './policy-fixtures.ts';

const HOUR = 3_600_000;
const prices = [
  { startMs: T0 - HOUR, endMs: T0 + HOUR, pricePerKWh: 0.12 },
  { startMs: T0 + HOUR, endMs: T0 + 2 * HOUR, pricePerKWh: 0.35 },
];

describe('per-charger price limit', () => {
  const rows = [
    { name: 'price at or below the limit: full power, reason cheap-tariff', limit: 0.12, atMs: T0, expect: [16, 'cheap-tariff'] },
    { name: 'price above the limit: the mode decides', limit: 0.10, atMs: T0, expect: [0, 'solar-insufficient'] },
    { name: 'unknown price (after the known slots): never cheap on a guess', limit: 1, atMs: T0 + 3 * HOUR, expect: [0, 'solar-insufficient'] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const d = decide({ nowMs: row.atMs, grid: grid(row.atMs, 500), chargers: [charger('c1', row.atMs, 0)], prices }, INITIAL_POLICY_STATE,
        settings([{ mode: 'solar', priceLimitPerKWh: row.limit }]));
      assert.deepEqual([d.limits[0]!.currentA, d.limits[0]!.reason], row.expect);
    });
  }

  it('the fuse still wins over a cheap price', () => {
    const d = decide({ nowMs: T0, grid: grid(T0, 0, [20, 5, 5]), chargers: [charger('c1', T0, 0)], prices }, INITIAL_POLICY_STATE,
      settings([{ mode: 'solar', priceLimitPerKWh: 0.2 }]));
    assert.deepEqual([d.limits[0]!.currentA, d.limits[0]!.reason], [0, 'fuse-paused']);
  });
});
