import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, INITIAL_POLICY_STATE } from '../../src/policy/decide.ts';
import { charger, grid, settings, T0 } from './policy-fixtures.ts';

describe('main fuse guard', () => {
  it('limits a fast charger to what the fuse leaves on the most loaded phase', () => {
    // Home draws 12 A on L1 besides the car's 16 A: L1 carries 28 A on a 25 A fuse with 1 A margin.
    const d = decide({ nowMs: T0, grid: grid(T0, 9000, [28, 18, 17]), chargers: [charger('c1', T0, 16)] },
      { chargers: { c1: { solar: { enabled: false, targetA: 0 }, limitA: 16 } } }, settings([{ mode: 'fast' }]));
    assert.equal(d.limits[0]!.currentA, 12);
    assert.equal(d.limits[0]!.reason, 'fuse-limit');
    assert.equal(d.limits[0]!.safety, true);
  });

  it('shares the headroom equally between two fast chargers and pauses the lower priority one when both cannot run', () => {
    const two = settings([{ mode: 'fast' }, { mode: 'fast', priority: 1 }]);
    const shared = decide({ nowMs: T0, grid: grid(T0, 0, [10, 10, 10]), chargers: [charger('c1', T0, 0), charger('c2', T0, 0)] }, INITIAL_POLICY_STATE, two);
    assert.deepEqual(shared.limits.map((l) => l.currentA), [7, 7]);
    const tight = decide({ nowMs: T0, grid: grid(T0, 0, [14, 14, 14]), chargers: [charger('c1', T0, 0), charger('c2', T0, 0)] }, INITIAL_POLICY_STATE, two);
    assert.deepEqual(tight.limits.map((l) => [l.chargerId, l.currentA, l.reason]), [['c1', 0, 'fuse-paused'], ['c2', 10, 'fuse-limit']]);
  });

  it('does not cut a charger again while it is still following the last reduction', () => {
    const s = settings([{ mode: 'fast' }]);
    const first = decide({ nowMs: T0, grid: grid(T0, 0, [30, 16, 16]), chargers: [charger('c1', T0, 16)] },
      { chargers: { c1: { solar: { enabled: false, targetA: 0 }, limitA: 16, limitChangedAtMs: T0 - 60_000 } } }, s);
    assert.equal(first.limits[0]!.currentA, 10);
    // One second later the car still draws 16 A: the grid reading is unchanged. The limit stays 10 A, not 4 A.
    const second = decide({ nowMs: T0 + 1000, grid: grid(T0 + 1000, 0, [30, 16, 16]), chargers: [charger('c1', T0, 16)] }, first.next, s);
    assert.equal(second.limits[0]!.currentA, 10);
    // Once settled, a charger that still draws 16 A is believed at no more than its limit: it is cut further.
    const late = T0 + 9000;
    const third = decide({ nowMs: late, grid: grid(late, 0, [30, 16, 16]), chargers: [charger('c1', late, 16)] }, second.next, s);
    assert.equal(third.limits[0]!.currentA, 0);
    assert.equal(third.limits[0]!.reason, 'fuse-paused');
  });

  it('a 1-phase charger only uses the headroom of its own phase', () => {
    const d = decide({ nowMs: T0, grid: grid(T0, 0, [20, 2, 2]), chargers: [charger('c1', T0, 0, 1)] }, INITIAL_POLICY_STATE,
      settings([{ mode: 'fast', phases: 1 }]));
    assert.equal(d.limits[0]!.currentA, 0);
    assert.equal(d.limits[0]!.reason, 'fuse-paused');
  });
});

describe('stale grid meter', () => {
  const rows = [
    { name: 'no reading at all', reading: undefined },
    { name: 'a reading 11 s old (bound 10 s)', reading: grid(T0 - 11_000, -9000) },
  ];
  for (const row of rows) {
    it(`sends every charger to the safe current on ${row.name}`, () => {
      const d = decide({ nowMs: T0, grid: row.reading, chargers: [charger('c1', T0, 16), charger('c2', T0, 0)] }, INITIAL_POLICY_STATE,
        settings([{ mode: 'fast' }, { mode: 'solar' }]));
      assert.deepEqual(d.limits.map((l) => [l.currentA, l.reason, l.safety]), [[6, 'stale-meter', true], [6, 'stale-meter', true]]);
    });
  }

  it('a reading exactly at the bound still counts as fresh', () => {
    const d = decide({ nowMs: T0, grid: grid(T0 - 10_000, 0), chargers: [charger('c1', T0, 0)] }, INITIAL_POLICY_STATE, settings([{ mode: 'fast' }]));
    assert.equal(d.limits[0]!.reason, 'fast');
  });
});

describe('fuse dead band', () => {
  it('does not spend a profile write on a sub-ampere wobble of the headroom while no phase is over the limit', () => {
    const s = settings([{ mode: 'fast' }]);
    const memory = { chargers: { c1: { solar: { enabled: false, targetA: 0 }, limitA: 10.5, limitChangedAtMs: T0 - 60_000 } } };
    // The charger's last meter values say 10 A while it draws 10.5 A: the headroom looks 0.5 A smaller than it is.
    const wobble = decide({ nowMs: T0, grid: grid(T0, 0, [10.5, 23.5, 10.5]), chargers: [charger('c1', T0, 10)] }, memory, s);
    assert.equal(wobble.limits[0]!.currentA, 10.5);
    assert.equal(wobble.limits[0]!.reason, 'fuse-limit');
  });

  it('still cuts at once when the phase is actually over the limit, however small the cut', () => {
    const s = settings([{ mode: 'fast' }]);
    const memory = { chargers: { c1: { solar: { enabled: false, targetA: 0 }, limitA: 10.5, limitChangedAtMs: T0 - 60_000 } } };
    const over = decide({ nowMs: T0, grid: grid(T0, 0, [10.5, 24.4, 10.5]), chargers: [charger('c1', T0, 10.5)] }, memory, s);
    assert.equal(over.limits[0]!.currentA, 10.1);
  });
});

describe('charger measurements that lag the grid meter', () => {
  it('a car just raised from 0 A is counted at its new limit, not at its old 0 A meter value, so its own rise is not taken for home load', () => {
    const s = settings([{ mode: 'fast', maxCurrentA: 8 }]);
    const memory = { chargers: { c1: { solar: { enabled: false, targetA: 0 }, limitA: 8, previousLimitA: 0, limitChangedAtMs: T0 - 9000 } } };
    // The car draws 8 A (the grid shows it) but its last MeterValues (before the raise) said 0 A. Home: 12 A.
    const d = decide({ nowMs: T0, grid: grid(T0, 0, [20, 20, 20]), chargers: [charger('c1', T0 - 12_000, 0)] }, memory, s);
    assert.deepEqual([d.limits[0]!.currentA, d.limits[0]!.reason], [8, 'fast']);
  });

  it('nobody sharing its phases is raised while a charger settles on a cut', () => {
    const s = settings([{ mode: 'fast' }, { mode: 'fast' }]);
    const memory = { chargers: {
      c1: { solar: { enabled: false, targetA: 0 }, limitA: 6, previousLimitA: 12, limitChangedAtMs: T0 - 2000 },
      c2: { solar: { enabled: false, targetA: 0 }, limitA: 6, limitChangedAtMs: T0 - 60_000 },
    } };
    const d = decide({ nowMs: T0, grid: grid(T0, 0, [14, 14, 14]), chargers: [charger('c1', T0, 12), charger('c2', T0, 6)] }, memory, s);
    assert.equal(d.limits[1]!.currentA, 6);
  });

  it('limits are rounded down to the charger\'s current step', () => {
    const d = decide({ nowMs: T0, grid: grid(T0, 0, [10.3, 10.3, 10.3]), chargers: [charger('c1', T0, 0)] }, INITIAL_POLICY_STATE,
      settings([{ mode: 'fast', currentStepA: 1 }]));
    assert.equal(d.limits[0]!.currentA, 13);
  });
});
