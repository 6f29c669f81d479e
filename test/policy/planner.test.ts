import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chargerPowerRangeW, energyNeededWh, planCharging, type PlanRequest } from '../../src/policy/planner.ts';
import type { PriceSlot } from '../../src/tariffs/price-slot.ts';

const H = 3_600_000;
/** 18:00 UTC on an ordinary evening; the car leaves at 07:00 the next morning unless a row says otherwise. */
const T0 = Date.UTC(2025, 5, 2, 18);

/** Hourly prices from T0, per kWh. */
function hourly(prices: readonly number[], fromMs = T0): PriceSlot[] {
  return prices.map((pricePerKWh, i) => ({ startMs: fromMs + i * H, endMs: fromMs + (i + 1) * H, pricePerKWh }));
}

/** Blocks as "start-end" in hours after T0. */
function blocks(plan: ReturnType<typeof planCharging>): string[] {
  return plan.slots.map((s) => `${(s.startMs - T0) / H}-${(s.endMs - T0) / H}`);
}

function request(overrides: Partial<PlanRequest>): PlanRequest {
  return {
    nowMs: T0,
    departureMs: T0 + 13 * H,
    need: { energyWh: 9900 },
    maxPowerW: 11_000,
    minPowerW: 4_140,
    efficiency: 0.9,
    prices: hourly([0.4, 0.35, 0.3, 0.2, 0.1, 0.1, 0.15, 0.2, 0.25, 0.3, 0.3, 0.35, 0.4]),
    ...overrides,
  };
}

describe('charging planner', () => {
  it('charges in the cheapest hours; 9.9 kWh at 90 % is one hour at 11 kW', () => {
    const plan = planCharging(request({}));
    assert.equal(plan.status, 'planned');
    assert.deepEqual(blocks(plan), ['5-6'], 'of the two 0.10 hours, the later one');
    assert.equal(plan.expectedGridWh, 11_000);
    assert.equal(plan.expectedCost.toFixed(4), '1.1000');
    assert.equal(plan.nextStartMs, T0 + 5 * H);
    assert.equal(plan.activeNow, false);
    assert.equal(plan.shortfallWh, 0);
  });

  const cases: { name: string; overrides: Partial<PlanRequest>; status: string; blocks: string[]; costEUR?: string }[] = [
    { name: 'prefers the later of equal prices', overrides: { prices: hourly(new Array(13).fill(0.3)) }, status: 'planned', blocks: ['12-13'] },
    { name: 'takes several hours and trims the dearest one to start late', overrides: { need: { energyWh: 9900 * 2.5 } },
      status: 'planned', blocks: ['4-6', '6.5-7'], costEUR: (1.1 + 1.1 + 0.55 * 1.5).toFixed(4) },
    { name: 'charges now at full power when even that is too late', overrides: { departureMs: T0 + 2 * H, need: { energyWh: 30_000 } },
      status: 'too-late', blocks: ['0-2'] },
    { name: 'charges in one late block when no price is known', overrides: { prices: [] }, status: 'no-prices', blocks: ['12-13'] },
    { name: 'uses the hours with a known price before the unknown ones', overrides: { prices: hourly([0.4, 0.35, 0.3]), need: { energyWh: 9900 * 2 } },
      status: 'planned', blocks: ['1-3'] },
    { name: 'adds a late block when the priced hours are not enough', overrides: { prices: hourly([0.4]), need: { energyWh: 9900 * 2 } },
      status: 'planned', blocks: ['0-1', '12-13'] },
    { name: 'plans nothing when nothing is needed', overrides: { need: { targetSocPct: 80, socPct: 85, capacityWh: 60_000 } }, status: 'done', blocks: [] },
    { name: 'plans nothing after departure', overrides: { departureMs: T0 - 1 }, status: 'departed', blocks: [] },
  ];
  for (const row of cases) {
    it(row.name, () => {
      const plan = planCharging(request(row.overrides));
      assert.equal(plan.status, row.status);
      assert.deepEqual(blocks(plan), row.blocks);
      if (row.costEUR !== undefined) assert.equal(plan.expectedCost.toFixed(4), row.costEUR);
    });
  }

  it('with no prices, the late block is sized to the need (14.85 kWh in 1.5 h)', () => {
    const plan = planCharging(request({ prices: [], need: { energyWh: 14_850 } }));
    assert.deepEqual(blocks(plan), ['11.5-13']);
    assert.equal(plan.unpricedGridWh, 16_500);
    assert.equal(plan.expectedCost, 0);
    assert.equal(plan.slots[0]!.cost, null, 'no price, no cost figure');
  });

  it('too late: says what will be missing', () => {
    const plan = planCharging(request({ departureMs: T0 + 2 * H, need: { energyWh: 30_000 } }));
    assert.equal(plan.activeNow, true);
    assert.equal(plan.nextStartMs, T0);
    assert.equal(plan.shortfallWh.toFixed(0), (30_000 - 2 * 11_000 * 0.9).toFixed(0));
  });

  describe('with a solar forecast', () => {
    // Departure at 13:00 the next day; cheap night (0.10), dear day (0.30); 6 kW of surplus from 08:00 to 12:00.
    const prices = hourly([0.3, 0.3, 0.3, 0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]);
    const sun = [{ startMs: T0 + 14 * H, endMs: T0 + 18 * H, powerW: 6000 }];
    const base = { departureMs: T0 + 19 * H, prices, need: { energyWh: 27_000 } };

    it('buys only what the sun will not deliver before departure', () => {
      const blind = planCharging(request(base));
      const aware = planCharging(request({ ...base, solarSurplus: sun }));
      // 27 kWh / 0.9 = 30 kWh at the wall. Blind: all from the grid. Aware: 24 kWh of sun, 6 kWh from the grid.
      assert.equal(blind.expectedGridWh.toFixed(0), '30000');
      assert.equal(aware.expectedSolarWh.toFixed(0), '24000');
      assert.equal(aware.expectedGridWh.toFixed(0), '6000');
      assert.ok(aware.expectedCost < blind.expectedCost / 4, `${aware.expectedCost} vs ${blind.expectedCost}`);
      // The end of the cheap night, trimmed to 6 kWh: 6/11 h = 1963.6 s, rounded up to whole seconds.
      assert.deepEqual(aware.slots.map((s) => [s.startMs, s.endMs]), [[T0 + 12 * H - 1964_000, T0 + 12 * H]]);
    });

    it('plans no grid charging when the sun covers the need', () => {
      const plan = planCharging(request({ ...base, need: { energyWh: 20_000 }, solarSurplus: sun }));
      assert.equal(plan.status, 'solar-only');
      assert.deepEqual(plan.slots, []);
      assert.equal(plan.nextStartMs, null);
      assert.equal(plan.expectedSolarWh.toFixed(0), (20_000 / 0.9).toFixed(0));
    });

    it('takes surplus below the minimum power by charging at the minimum when that beats the night', () => {
      // 3 kW of sun below the 4.14 kW minimum at 0.30: a kWh at the minimum costs 0.30 x (1 - 3/4.14) = 0.083 < 0.10.
      const weak = [{ startMs: T0 + 14 * H, endMs: T0 + 18 * H, powerW: 3000 }];
      const plan = planCharging(request({ ...base, solarSurplus: weak }));
      assert.equal(plan.expectedSolarWh.toFixed(0), '12000');
      assert.equal(plan.expectedGridWh.toFixed(0), '18000');
      const day = plan.slots.filter((s) => s.startMs >= T0 + 14 * H);
      assert.deepEqual(day.map((s) => [s.startMs, s.endMs, s.powerW]), [[T0 + 14 * H, T0 + 18 * H, 4_140]]);
    });

    it('does not charge at the minimum on a weak sun when the night is cheaper still', () => {
      const weak = [{ startMs: T0 + 14 * H, endMs: T0 + 18 * H, powerW: 1000 }];
      const plan = planCharging(request({ ...base, solarSurplus: weak }));
      assert.equal(plan.expectedSolarWh, 0);
      assert.equal(plan.expectedGridWh.toFixed(0), '30000');
    });

    it('does not count sun after departure', () => {
      const plan = planCharging(request({ ...base, departureMs: T0 + 15 * H, solarSurplus: sun }));
      assert.equal(plan.expectedSolarWh.toFixed(0), '6000', 'one hour of sun (08:00-09:00) before leaving at 09:00');
    });

    it('believes the surplus measured now over the forecast for the current segment', () => {
      // At 11:45 next day, 15 min before the forecast sun ends, 1.35 kWh to go: exactly what that quarter hour would bring.
      const nowMs = T0 + 17.75 * H;
      const cloudy = planCharging(request({ ...base, nowMs, need: { energyWh: 1_350 }, solarSurplus: sun, currentSurplusW: 0 }));
      const sunny = planCharging(request({ ...base, nowMs, need: { energyWh: 1_350 }, solarSurplus: sun }));
      assert.equal(sunny.status, 'solar-only');
      assert.equal(cloudy.status, 'planned');
      assert.equal(cloudy.expectedSolarWh, 0);
    });

    it('sells the sun and buys at night when the night costs less than the feed-in earns', () => {
      const feedIn = [{ startMs: T0, endMs: T0 + 24 * H, pricePerKWh: 0.12 }];
      const plan = planCharging(request({ ...base, need: { energyWh: 9_000 }, solarSurplus: sun, feedInPrices: feedIn }));
      assert.equal(plan.expectedSolarWh, 0);
      assert.equal(plan.expectedGridWh.toFixed(0), '10000');
      assert.equal(plan.forgoneFeedIn, 0);
      const dearNight = planCharging(request({ ...base, need: { energyWh: 9_000 }, solarSurplus: sun, feedInPrices: [{ ...feedIn[0]!, pricePerKWh: 0.08 }] }));
      assert.equal(dearNight.status, 'solar-only');
      assert.equal(dearNight.forgoneFeedIn.toFixed(4), (10 * 0.08).toFixed(4));
    });
  });

  it('is stable under re-planning: after charging the first part, the rest of the same plan remains', () => {
    const first = planCharging(request({ need: { energyWh: 9900 * 2.5 } }));
    assert.deepEqual(blocks(first), ['4-6', '6.5-7']);
    // At 04:30 (T0 + 4.5 h), half an hour at 11 kW has gone into the car.
    const later = planCharging(request({ nowMs: T0 + 4.5 * H, need: { energyWh: 9900 * 2.5 - 5500 * 0.9 } }));
    assert.deepEqual(blocks(later), ['4.5-6', '6.5-7']);
    assert.equal(later.activeNow, true);
  });

  it('is deterministic', () => {
    const r = request({ need: { energyWh: 12_345 }, solarSurplus: [{ startMs: T0 + 3 * H, endMs: T0 + 4 * H, powerW: 5000 }] });
    assert.deepEqual(planCharging(r), planCharging(structuredClone(r)));
  });

  it('turns a SoC target and a charger into energy and power', () => {
    assert.equal(energyNeededWh({ targetSocPct: 80, socPct: 30, capacityWh: 60_000 }), 30_000);
    assert.equal(energyNeededWh({ energyWh: -5 }), 0);
    assert.deepEqual(chargerPowerRangeW({ minCurrentA: 6, maxCurrentA: 32, phases: 1 }, 127), { minPowerW: 762, maxPowerW: 4064 });
  });

  it('refuses an efficiency outside (0, 1] and a charger without power', () => {
    assert.throws(() => planCharging(request({ efficiency: 0 })), /efficiency/);
    assert.throws(() => planCharging(request({ efficiency: 1.2 })), /efficiency/);
    assert.throws(() => planCharging(request({ maxPowerW: 0 })), /maxPowerW/);
  });
});
