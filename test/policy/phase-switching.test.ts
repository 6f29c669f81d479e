import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChargerState } from '../../src/domain/charger-state.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { decide, INITIAL_POLICY_STATE, type PolicyState } from '../../src/policy/decide.ts';
import type { ChargeMode } from '../../src/domain/charger-state.ts';
import { grid, settings, T0 } from './policy-fixtures.ts';

const STEP = 5_000;

interface Row { t: number; currentA: number; phases: 1 | 3; reason: string }

/**
 * One 3-phase 16 A charger that can switch phases, and a car that follows limit and phase count within a step. The
 * house exports `exportW(t)` before the car. Returns the limits at the listed seconds.
 */
async function run(mode: ChargeMode, exportW: (t: number) => number, untilS: number, phaseSwitching = true): Promise<Map<number, Row>> {
  const clock = new FakeClock(T0);
  const cfg = settings([{ mode, currentStepA: 1, phaseSwitching }]);
  let state: PolicyState = INITIAL_POLICY_STATE;
  let carA = 0;
  let carPhases: 1 | 3 = 3;
  const rows = new Map<number, Row>();
  while (clock.nowMs() < T0 + untilS * 1000) {
    const nowMs = clock.nowMs();
    const t = (nowMs - T0) / 1000;
    const car: ChargerState = { id: 'c1', connected: true, status: carA > 0 ? 'charging' : 'suspended-evse', vehicleConnected: true,
      powerW: carA * carPhases * 230, phaseCurrentsA: carPhases === 3 ? [carA, carA, carA] : [carA], measuredAtMs: nowMs - 1 };
    const decision = decide({ nowMs, grid: grid(nowMs, car.powerW - exportW(t)), chargers: [car] }, state, cfg);
    state = decision.next;
    const limit = decision.limits[0]!;
    rows.set(t, { t, currentA: limit.currentA, phases: limit.phases, reason: limit.reason });
    carA = limit.currentA;
    carPhases = limit.phases;
    await clock.advance(STEP);
  }
  return rows;
}

function check(rows: Map<number, Row>, expected: Row[]): void {
  for (const row of expected) {
    const got = rows.get(row.t)!;
    assert.deepEqual({ currentA: got.currentA, phases: got.phases, reason: got.reason },
      { currentA: row.currentA, phases: row.phases, reason: row.reason }, `t=${row.t}s`);
  }
}

describe('1-phase/3-phase switching', () => {
  it('solar: drops to 1 phase after a minute below the 3-phase minimum, pausing for the switch, and returns after 3 minutes above it', async () => {
    // 6 kW of surplus, 2.5 kW from 5 min (below 4.14 kW, above 1.38 kW), 6 kW again from 12 min.
    const exportW = (t: number): number => (t >= 300 && t < 720 ? 2_500 : 6_000);
    const rows = await run('solar', exportW, 1200);
    check(rows, [
      { t: 0, currentA: 0, phases: 3, reason: 'solar-waiting' },
      { t: 60, currentA: 8, phases: 3, reason: 'solar-surplus' },
      { t: 300, currentA: 6, phases: 3, reason: 'min-current' },
      { t: 355, currentA: 6, phases: 3, reason: 'min-current' },
      { t: 360, currentA: 0, phases: 3, reason: 'phase-switch' },
      { t: 385, currentA: 0, phases: 3, reason: 'phase-switch' },
      { t: 390, currentA: 10, phases: 1, reason: 'solar-surplus' },
      { t: 715, currentA: 10, phases: 1, reason: 'solar-surplus' },
      { t: 720, currentA: 16, phases: 1, reason: 'solar-surplus' },
      { t: 895, currentA: 16, phases: 1, reason: 'solar-surplus' },
      { t: 900, currentA: 0, phases: 1, reason: 'phase-switch' },
      { t: 930, currentA: 8, phases: 3, reason: 'solar-surplus' },
    ]);
    // Exactly two switches: down once, up once.
    const phases = [...rows.values()].map((r) => r.phases);
    assert.equal(phases.filter((p, i) => i > 0 && p !== phases[i - 1]).length, 2);
  });

  it('solar: a dip shorter than the down delay does not switch', async () => {
    const rows = await run('solar', (t) => (t >= 300 && t < 340 ? 2_500 : 6_000), 600);
    assert.ok([...rows.values()].every((r) => r.phases === 3 && r.reason !== 'phase-switch'));
  });

  it('fast mode stays on 3 phases; a charger without switching never changes phases', async () => {
    const fast = await run('fast', () => 2_500, 300);
    assert.ok([...fast.values()].every((r) => r.phases === 3));
    const fixed = await run('solar', () => 2_500, 600, false);
    assert.ok([...fixed.values()].every((r) => r.phases === 3 && r.currentA === 0));
  });
});
