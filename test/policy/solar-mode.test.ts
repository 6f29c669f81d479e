import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, INITIAL_POLICY_STATE, type PolicyState } from '../../src/policy/decide.ts';
import { charger, grid, settings, T0 } from './policy-fixtures.ts';

/**
 * A plant with one 3-phase charger that follows its limit at once: each row gives the time, the house's export
 * before the car, and the expected limit and reason. The grid reading each tick is house + car.
 */
function run(rows: { t: number; houseW: number; expectA: number; reason: string }[]): void {
  let state: PolicyState = INITIAL_POLICY_STATE;
  let carA = 0;
  for (const row of rows) {
    const nowMs = T0 + row.t * 1000;
    const snapshot = { nowMs, grid: grid(nowMs, row.houseW + carA * 3 * 230), chargers: [charger('c1', nowMs, carA)] };
    const decision = decide(snapshot, state, settings());
    const limit = decision.limits[0]!;
    assert.equal(limit.currentA, row.expectA, `t=${row.t}s: limit`);
    assert.equal(limit.reason, row.reason, `t=${row.t}s: reason (${decision.reasons[0]?.detail})`);
    state = decision.next;
    carA = limit.currentA;
  }
}

describe('solar mode', () => {
  it('starts only after the surplus has held the minimum current for the enable delay, then follows it', () => {
    run([
      { t: 0, houseW: -5000, expectA: 0, reason: 'solar-waiting' },
      { t: 30, houseW: -5000, expectA: 0, reason: 'solar-waiting' },
      { t: 60, houseW: -5000, expectA: 7.2, reason: 'solar-surplus' },
      { t: 70, houseW: -8000, expectA: 11.5, reason: 'solar-surplus' },
      { t: 80, houseW: -20000, expectA: 16, reason: 'solar-surplus' },
    ]);
  });

  it('resets the start timer when the surplus dips before the delay has passed', () => {
    run([
      { t: 0, houseW: -5000, expectA: 0, reason: 'solar-waiting' },
      { t: 40, houseW: -2000, expectA: 0, reason: 'solar-insufficient' },
      { t: 50, houseW: -5000, expectA: 0, reason: 'solar-waiting' },
      { t: 100, houseW: -5000, expectA: 0, reason: 'solar-waiting' },
      { t: 110, houseW: -5000, expectA: 7.2, reason: 'solar-surplus' },
    ]);
  });

  it('holds the minimum current through a passing cloud and stops after the disable delay', () => {
    run([
      { t: 0, houseW: -6000, expectA: 0, reason: 'solar-waiting' },
      { t: 60, houseW: -6000, expectA: 8.6, reason: 'solar-surplus' },
      { t: 70, houseW: -1000, expectA: 6, reason: 'min-current' },
      { t: 150, houseW: -1000, expectA: 6, reason: 'min-current' },
      { t: 200, houseW: -6000, expectA: 8.6, reason: 'solar-surplus' },
      { t: 210, houseW: 500, expectA: 6, reason: 'min-current' },
      { t: 380, houseW: 500, expectA: 6, reason: 'min-current' },
      { t: 390, houseW: 500, expectA: 0, reason: 'solar-insufficient' },
    ]);
  });

  it('does not move the solar target on a charger measurement older than its last limit', () => {
    const s = settings();
    const first = decide({ nowMs: T0, grid: grid(T0, -5000), chargers: [charger('c1', T0, 0)] }, {
      chargers: { c1: { solar: { enabled: true, targetA: 7, decidedAtMs: T0 - 60_000 }, limitA: 0 } },
    }, s);
    assert.equal(first.limits[0]!.currentA, 7.2);
    // 6 s later the car is still reported at 0 A (old MeterValues) while the grid already shows the car.
    const later = T0 + 6_000;
    const second = decide({ nowMs: later, grid: grid(later, 0), chargers: [charger('c1', T0, 0)] }, first.next, s);
    assert.equal(second.limits[0]!.currentA, 7.2, 'kept, not cut to 0 by a stale charger reading');
  });
});

describe('off and fast modes', () => {
  it('off pauses the charger whatever the sun does; fast charges at the maximum', () => {
    const s = settings([{ mode: 'off' }, { mode: 'fast' }], { mainFuseA: 63 });
    const d = decide({ nowMs: T0, grid: grid(T0, -9000), chargers: [charger('c1', T0, 0), charger('c2', T0, 0)] }, INITIAL_POLICY_STATE, s);
    assert.deepEqual(d.limits.map((l) => [l.currentA, l.reason]), [[0, 'user-off'], [16, 'fast']]);
  });

  it('a charger without a car gets 0 A in solar mode and its maximum in fast mode, ready for the plug-in', () => {
    const s = settings([{ mode: 'solar' }, { mode: 'fast' }]);
    const d = decide({ nowMs: T0, grid: grid(T0, 500), chargers: [charger('c1', T0, 0, 3, false), charger('c2', T0, 0, 3, false)] }, INITIAL_POLICY_STATE, s);
    assert.deepEqual(d.limits.map((l) => [l.currentA, l.reason]), [[0, 'no-vehicle'], [16, 'no-vehicle']]);
  });

  it('an offline charger gets no limit and the log says it is offline', () => {
    const d = decide({ nowMs: T0, grid: grid(T0, 500), chargers: [] }, INITIAL_POLICY_STATE, settings());
    assert.equal(d.limits.length, 0);
    assert.deepEqual(d.reasons, [{ chargerId: 'c1', reason: 'charger-offline', detail: 'no OCPP connection' }]);
  });
});
