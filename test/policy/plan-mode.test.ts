import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/platform/clock.ts';
import { decide, INITIAL_POLICY_STATE, type Decision, type PolicyState } from '../../src/policy/decide.ts';
import { effectivePlanTarget } from '../../src/policy/plan-mode.ts';
import type { ChargerPlanTarget } from '../../src/policy/policy-settings.ts';
import type { ChargerState } from '../../src/domain/charger-state.ts';
import type { SiteSnapshot } from '../../src/domain/site-snapshot.ts';
import { grid, settings, T0 } from './policy-fixtures.ts';

const MIN = 60_000;
/** The fake clock's step: the control loop ticks every second; 10 s keeps the test fast and still hits short blocks. */
const STEP = 10_000;
const H = 3_600_000;

/** Hourly prices from T0 (10:00 UTC). */
function hourly(prices: readonly number[]): SiteSnapshot['prices'] {
  return prices.map((pricePerKWh, i) => ({ startMs: T0 + i * H, endMs: T0 + (i + 1) * H, pricePerKWh }));
}

interface Run {
  /** The ticks on whole minutes after T0: the limit, reason and detail. */
  ticks: Map<number, { currentA: number; reason: string; detail: string; decision: Decision }>;
  /** Session energy at the wall at the end, Wh. */
  energyWh: number;
}

/**
 * One 3-phase 16 A charger in plan mode with a car that follows its limit at once, up to `carMaxA`; a house that draws
 * nothing (or exports `surplusW`); a fake clock stepping 10 s at a time for `minutes`. Session energy counts what the car drew.
 */
async function runPlan(options: { target: ChargerPlanTarget | undefined; prices: SiteSnapshot['prices']; minutes: number;
  carMaxA?: number; surplusW?: number }): Promise<Run> {
  const clock = new FakeClock(T0);
  const cfg = settings([{ mode: 'plan', currentStepA: 1, ...(options.target ? { plan: options.target } : {}) }], { mainFuseA: 63 });
  let state: PolicyState = INITIAL_POLICY_STATE;
  let carA = 0;
  let energyWh = 0;
  const ticks: Run['ticks'] = new Map();
  for (let k = 0; k < Math.max(1, options.minutes * MIN / STEP); k++) {
    const nowMs = clock.nowMs();
    const m = (nowMs - T0) / MIN;
    const car: ChargerState = {
      id: 'c1', connected: true, status: carA > 0 ? 'charging' : 'suspended-evse', vehicleConnected: true,
      powerW: carA * 3 * 230, phaseCurrentsA: [carA, carA, carA], measuredAtMs: nowMs, sessionEnergyWh: energyWh,
      transactionId: 'tx',
    };
    const houseW = -(options.surplusW ?? 0);
    const snapshot: SiteSnapshot = { nowMs, grid: grid(nowMs, houseW + car.powerW), chargers: [car], ...(options.prices ? { prices: options.prices } : {}) };
    const decision = decide(snapshot, state, cfg);
    state = decision.next;
    const limit = decision.limits[0]!;
    if (Number.isInteger(m)) ticks.set(m, { currentA: limit.currentA, reason: limit.reason, detail: decision.reasons[0]!.detail, decision });
    carA = Math.min(limit.currentA, options.carMaxA ?? 16);
    energyWh += carA * 3 * 230 * STEP / H;
    await clock.advance(STEP);
  }
  return { ticks, energyWh };
}

describe('plan mode', () => {
  // Dear, dear, cheap, dear: 10 kWh at the wall (9 kWh in the battery) fit in the cheap hour at 11.04 kW.
  const prices = hourly([0.4, 0.4, 0.1, 0.4]);
  const target: ChargerPlanTarget = { departureAtMs: T0 + 4 * H, energyWh: 9_000, source: 'user', setAtMs: T0 - MIN };

  it('charges in the cheapest slot and reaches the target by departure', async () => {
    const run = await runPlan({ target, prices, minutes: 240 });
    const rows: { m: number; currentA: number; reason: string }[] = [
      { m: 0, currentA: 0, reason: 'solar-insufficient' },
      { m: 60, currentA: 0, reason: 'solar-insufficient' },
      { m: 125, currentA: 0, reason: 'solar-insufficient' },
      { m: 130, currentA: 16, reason: 'plan' },
      { m: 170, currentA: 16, reason: 'plan' },
      { m: 185, currentA: 0, reason: 'solar-insufficient' },
    ];
    for (const row of rows) {
      const tick = run.ticks.get(row.m)!;
      assert.equal(tick.currentA, row.currentA, `minute ${row.m}: ${tick.detail}`);
      assert.equal(tick.reason, row.reason, `minute ${row.m}: ${tick.detail}`);
    }
    assert.match(run.ticks.get(0)!.detail, /plan: 9\.0 kWh by 14:00 UTC; next planned start 12:0\d UTC/);
    const view = run.ticks.get(0)!.decision.plans!['c1']!;
    assert.equal(view.status, 'planned');
    assert.equal(view.expectedFinishAtMs, T0 + 3 * H);
    // Within a tick's energy of the target (the test ticks every 10 s; a block of a few seconds can fall between ticks).
    assert.ok(run.energyWh >= 10_000 * 0.995 && run.energyWh < 10_000 + 11_040 / 60 * 2, `delivered ${run.energyWh} Wh`);
    assert.ok(run.ticks.get(200)!.decision.plans!['c1']!.remainingWh < 10, 'little or nothing left after the cheap hour');
  });

  it('re-plans when the car falls behind and still reaches the target', async () => {
    // The car takes only 10 A (6.9 kW): the cheap hour brings 6.9 kWh, the rest must come from a dear hour.
    const run = await runPlan({ target, prices, minutes: 240, carMaxA: 10 });
    assert.ok(run.energyWh >= 10_000 * 0.995, `delivered ${run.energyWh} Wh`);
    const late = run.ticks.get(215)!;
    assert.equal(late.reason, 'plan', late.detail);
    assert.ok(late.currentA > 0);
    // Nothing was bought in the first dear hours: the shortfall was planned as late as possible (ties go later).
    assert.equal(run.ticks.get(30)!.currentA, 0);
  });

  it('charges at full power at once when the target can no longer be met', async () => {
    const tooMuch: ChargerPlanTarget = { departureAtMs: T0 + 30 * MIN, energyWh: 20_000, source: 'user', setAtMs: T0 };
    const run = await runPlan({ target: tooMuch, prices, minutes: 1 });
    const first = run.ticks.get(0)!;
    assert.equal(first.currentA, 16);
    assert.equal(first.reason, 'plan');
    assert.match(first.detail, /cannot be met .* charging at full power/);
    assert.equal(first.decision.plans!['c1']!.status, 'too-late');
  });

  it('without a target takes the sun only, and says why', async () => {
    const run = await runPlan({ target: undefined, prices, minutes: 0 });
    assert.match(run.ticks.get(0)!.detail, /^plan mode without a plan/);
    assert.equal(run.ticks.get(0)!.currentA, 0);
  });

  it('charges from the sun on top of a planned block', async () => {
    // 14 kW of export: solar mode starts after its minute and takes all of it, more than the cheap block would need.
    const run = await runPlan({ target, prices, minutes: 3, surplusW: 14_000 });
    assert.equal(run.ticks.get(2)!.currentA, 16);
    assert.equal(run.ticks.get(2)!.reason, 'solar-surplus');
  });

  it('works to the car\'s own needs (OCPP 2.0.1) when the homeowner set no plan, and to the homeowner\'s when set', async () => {
    const needs = { departureAtMs: T0 + 30 * MIN, energyAmountWh: 20_000, receivedAtMs: T0 - MIN };
    const fromCar = effectivePlanTarget(undefined, needs);
    assert.deepEqual(fromCar, { departureAtMs: T0 + 30 * MIN, energyWh: 20_000, source: 'vehicle', setAtMs: T0 - MIN });
    const run = await runPlan({ target: fromCar, prices, minutes: 0 });
    assert.equal(run.ticks.get(0)!.reason, 'plan');
    const user = { departureAtMs: T0 + 4 * H, energyWh: 9_000, setAtMs: T0 };
    assert.equal(effectivePlanTarget(user, needs)!.source, 'user');
    assert.equal(effectivePlanTarget(undefined, { receivedAtMs: T0, energyAmountWh: 5000 }), undefined, 'no departure: no plan');
  });

  it('turns a state-of-charge target into energy with the battery size', async () => {
    const soc: ChargerPlanTarget = { departureAtMs: T0 + 4 * H, socPercent: 80, vehicleSocPct: 65, batteryCapacityWh: 60_000,
      source: 'user', setAtMs: T0 };
    const run = await runPlan({ target: soc, prices, minutes: 0 });
    assert.equal(run.ticks.get(0)!.decision.plans!['c1']!.remainingWh, 9_000);
  });
});

describe('solar mode with a target and a forecast', () => {
  /** Solar mode, 3-phase 16 A (minimum 4.14 kW), a steady export of `surplusW`; returns the limits minute by minute. */
  function run(surplusW: number, forecastW: number, target: ChargerPlanTarget | undefined): { currentA: number; detail: string }[] {
    const cfg = settings([{ mode: 'solar', currentStepA: 1, ...(target ? { plan: target } : {}) }]);
    let state: PolicyState = INITIAL_POLICY_STATE;
    let carA = 0;
    const out: { currentA: number; detail: string }[] = [];
    for (let m = 0; m <= 3; m++) {
      const nowMs = T0 + m * MIN;
      const car: ChargerState = { id: 'c1', connected: true, status: 'suspended-evse', vehicleConnected: true, powerW: carA * 690,
        phaseCurrentsA: [carA, carA, carA], measuredAtMs: nowMs, sessionEnergyWh: 0 };
      const snapshot: SiteSnapshot = { nowMs, grid: grid(nowMs, carA * 690 - surplusW), chargers: [car],
        surplusForecast: [{ startMs: T0, endMs: T0 + 6 * H, powerW: forecastW }] };
      const decision = decide(snapshot, state, cfg);
      state = decision.next;
      out.push({ currentA: decision.limits[0]!.currentA, detail: decision.reasons[0]!.detail });
      carA = decision.limits[0]!.currentA;
    }
    return out;
  }
  const need: ChargerPlanTarget = { departureAtMs: T0 + 6 * H, energyWh: 30_000, source: 'vehicle', setAtMs: T0 };

  it('charges at the minimum on 3/4 of its power when the forecast sun will not bring the need by departure', () => {
    // 3.3 kW of export (80 % of the 4.14 kW minimum); the forecast sees no surplus at the minimum before departure.
    const rows = run(3_300, 3_000, need);
    assert.equal(rows[0]!.currentA, 0, 'waits the enable delay');
    assert.equal(rows[1]!.currentA, 6);
    assert.match(rows[1]!.detail, /forecast sun brings 0\.0 of the 30\.0 kWh/);
  });

  it('stays strict when the forecast sun is enough, without a target, or with less than 3/4 of the minimum', () => {
    assert.equal(run(3_300, 6_000, need)[2]!.currentA, 0, 'forecast: 6 x 6 kW covers 30 kWh');
    assert.equal(run(3_300, 3_000, undefined)[2]!.currentA, 0, 'no target');
    assert.equal(run(2_800, 3_000, need)[2]!.currentA, 0, '2.8 kW is 68 % of the minimum');
  });
});
