import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, INITIAL_POLICY_STATE } from '../../src/policy/decide.ts';
import { chargerGridPhases } from '../../src/policy/fuse-guard.ts';
import { charger, grid, settings, T0 } from './policy-fixtures.ts';

describe('minsolar mode', () => {
  const rows = [
    { name: 'no sun: the minimum current', houseW: 800, expectA: 6, reason: 'min-current' },
    { name: 'some sun, less than the minimum: still the minimum', houseW: -2000, expectA: 6, reason: 'min-current' },
    { name: 'plenty of sun: the surplus', houseW: -6000, expectA: 8.6, reason: 'solar-surplus' },
  ];
  for (const row of rows) {
    it(`${row.name}, with no start delay`, () => {
      const d = decide({ nowMs: T0, grid: grid(T0, row.houseW), chargers: [charger('c1', T0, 0)] }, INITIAL_POLICY_STATE, settings([{ mode: 'minsolar' }]));
      assert.deepEqual([d.limits[0]!.currentA, d.limits[0]!.reason], [row.expectA, row.reason]);
    });
  }
});

describe('home battery priority', () => {
  const s = { ...settings(), battery: { prioritySocPct: 50, bufferSocPct: 80 } };
  const enabled = { chargers: { c1: { solar: { enabled: true, targetA: 6, decidedAtMs: T0 - 60_000 } } } };
  it('below the priority state of charge the battery keeps what it charges with', () => {
    // 5 kW of sun goes into the battery; nothing is exported.
    const d = decide({ nowMs: T0, grid: grid(T0, 0), battery: { atMs: T0, powerW: -5000, socPct: 30 }, chargers: [charger('c1', T0, 0)] }, INITIAL_POLICY_STATE, s);
    assert.equal(d.limits[0]!.reason, 'solar-insufficient');
  });
  it('above it the car may take what the battery charges with', () => {
    const d = decide({ nowMs: T0, grid: grid(T0, 0), battery: { atMs: T0, powerW: -5000, socPct: 60 }, chargers: [charger('c1', T0, 0)] }, INITIAL_POLICY_STATE, s);
    assert.equal(d.limits[0]!.reason, 'solar-waiting');
  });
  it('above the buffer state of charge the battery carries a charging car at its minimum through a dip', () => {
    const d = decide({ nowMs: T0, grid: grid(T0, 0), battery: { atMs: T0, powerW: 4140, socPct: 90 }, chargers: [charger('c1', T0, 6)] }, enabled, s);
    assert.equal(d.limits[0]!.currentA, 6);
    assert.equal(d.next.chargers.c1!.solar.disableSinceMs, undefined, 'no stop timer runs');
  });
  it('below the buffer a discharging battery is not surplus: the stop timer runs', () => {
    const d = decide({ nowMs: T0, grid: grid(T0, 0), battery: { atMs: T0, powerW: 4140, socPct: 70 }, chargers: [charger('c1', T0, 6)] }, enabled, s);
    assert.equal(d.next.chargers.c1!.solar.disableSinceMs, T0);
  });
});

describe('phase rotation and sub-circuits', () => {
  it('maps a rotated charger to the grid phases it is wired to', () => {
    assert.deepEqual(chargerGridPhases(3, 'L2L3L1'), [1, 2, 0]);
    assert.deepEqual(chargerGridPhases(1, 'L3L1L2'), [2]);
  });

  it('a 1-phase charger wired to grid L2 is limited by L2, not L1', () => {
    const loadedL1 = decide({ nowMs: T0, grid: grid(T0, 0, [20, 2, 2]), chargers: [charger('c1', T0, 0, 1)] }, INITIAL_POLICY_STATE,
      settings([{ mode: 'fast', phases: 1, phaseRotation: 'L2L3L1' }]));
    assert.deepEqual([loadedL1.limits[0]!.currentA, loadedL1.limits[0]!.reason], [16, 'fast']);
    const loadedL2 = decide({ nowMs: T0, grid: grid(T0, 0, [2, 20, 2]), chargers: [charger('c1', T0, 0, 1)] }, INITIAL_POLICY_STATE,
      settings([{ mode: 'fast', phases: 1, phaseRotation: 'L2L3L1' }]));
    assert.equal(loadedL2.limits[0]!.reason, 'fuse-paused');
  });

  it('two fast chargers on a 20 A garage breaker share it even when the main fuse has room', () => {
    const s = { ...settings([{ mode: 'fast' }, { mode: 'fast' }], { mainFuseA: 63 }), circuits: [{ id: 'garage', maxCurrentA: 20, chargerIds: ['c1', 'c2'] }] };
    const d = decide({ nowMs: T0, grid: grid(T0, 0, [1, 1, 1]), chargers: [charger('c1', T0, 0), charger('c2', T0, 0)] }, INITIAL_POLICY_STATE, s);
    assert.deepEqual(d.limits.map((l) => [l.currentA, l.reason]), [[10, 'fuse-limit'], [10, 'fuse-limit']]);
  });
});
