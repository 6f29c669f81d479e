import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planCharging, type PlanRequest } from '../../src/policy/planner.ts';

const H = 3_600_000;
const T0 = Date.UTC(2025, 5, 2, 18);

/** One hour of the small cases: import price, feed-in price (<= import), forecast surplus. */
interface Hour {
  price: number;
  feedIn: number;
  surplusW: number;
}

interface SmallCase {
  hours: Hour[];
  needWh: number;
  maxPowerW: number;
  minPowerW: number;
  efficiency: number;
}

/**
 * The optimum by brute force, written from the LP of reference/control.md §8.1 for one car, not from the planner:
 * minimise sum over hours of f x min(p, s) + c x max(0, p - s) subject to sum(p) = need / efficiency and
 * 0 <= p <= Pmax, where s is the surplus; below the minimum power Pmin the car runs at Pmin in bursts (sun share s/Pmin).
 * The cost per hour is convex and piecewise linear with breaks at 0, max(s, Pmin) and Pmax, so an optimal solution
 * has every hour at a break except at most one: enumerate all of those.
 * Returns the cost in currency, or undefined when the need cannot be met.
 */
function bruteForceOptimum(c: SmallCase): number | undefined {
  const wallNeedKWh = c.needWh / c.efficiency / 1000;
  const pMax = c.maxPowerW / 1000;
  const pMin = c.minPowerW / 1000;
  const surplus = c.hours.map((h) => Math.min(h.surplusW, c.maxPowerW) / 1000);
  // Below the minimum power the car charges at pMin in bursts: each kWh then takes s/pMin of its energy from the sun.
  const cost = (t: number, p: number): number => {
    const { feedIn: f, price: cp } = c.hours[t]!;
    const s = surplus[t]!;
    if (s >= pMin) return f * Math.min(p, s) + cp * Math.max(0, p - s);
    if (p <= pMin) return p * (cp - (cp - f) * s / pMin);
    return f * s + cp * (p - s);
  };
  const n = c.hours.length;
  let best: number | undefined;
  const levels = (t: number): number[] => [0, surplus[t]! >= pMin ? surplus[t]! : pMin, pMax];
  const assign = new Array<number>(n).fill(0);
  const visit = (t: number): void => {
    if (t === n) {
      const energy = assign.reduce((a, b) => a + b, 0);
      const total = assign.reduce((sum, p, i) => sum + cost(i, p), 0);
      if (Math.abs(energy - wallNeedKWh) < 1e-9) best = best === undefined ? total : Math.min(best, total);
      // One hour free: move it to meet the need exactly.
      for (let k = 0; k < n; k++) {
        const p = assign[k]! + (wallNeedKWh - energy);
        if (p < -1e-12 || p > pMax + 1e-12) continue;
        const candidate = total - cost(k, assign[k]!) + cost(k, Math.min(pMax, Math.max(0, p)));
        best = best === undefined ? candidate : Math.min(best, candidate);
      }
      return;
    }
    for (const level of levels(t)) {
      assign[t] = level;
      visit(t + 1);
    }
  };
  visit(0);
  return best;
}

function requestOf(c: SmallCase, resolutionMs?: number): PlanRequest {
  const slot = (i: number): { startMs: number; endMs: number } => ({ startMs: T0 + i * H, endMs: T0 + (i + 1) * H });
  return {
    nowMs: T0,
    departureMs: T0 + c.hours.length * H,
    need: { energyWh: c.needWh },
    maxPowerW: c.maxPowerW,
    minPowerW: c.minPowerW,
    efficiency: c.efficiency,
    prices: c.hours.map((h, i) => ({ ...slot(i), pricePerKWh: h.price })),
    feedInPrices: c.hours.map((h, i) => ({ ...slot(i), pricePerKWh: h.feedIn })),
    solarSurplus: c.hours.map((h, i) => ({ ...slot(i), powerW: h.surplusW })),
    ...(resolutionMs === undefined ? {} : { resolutionMs }),
  };
}

const price = fc.integer({ min: -10, max: 60 }).map((cents) => cents / 100);
const hourArb = fc.record({ price, feedInShare: fc.integer({ min: 0, max: 100 }), surplusW: fc.integer({ min: 0, max: 12_000 }) })
  // Feed-in never above the import price (the LP's f <= c; a meter that pays more for export than import is not modelled).
  .map(({ price: p, feedInShare, surplusW }) => ({ price: p, feedIn: Math.min(p, Math.max(0, p) * feedInShare / 100), surplusW }));

const smallCase = fc.record({
  hours: fc.array(hourArb, { minLength: 1, maxLength: 6 }),
  needWh: fc.integer({ min: 0, max: 80_000 }),
  maxPowerW: fc.integer({ min: 1_400, max: 22_000 }),
  minShare: fc.integer({ min: 5, max: 100 }),
  efficiency: fc.integer({ min: 80, max: 100 }).map((pct) => pct / 100),
}).map(({ minShare, ...rest }) => ({ ...rest, minPowerW: Math.round(rest.maxPowerW * minShare / 100) }));

describe('charging planner against the optimum', () => {
  const examples: { name: string; c: SmallCase }[] = [
    { name: 'cheapest hour in the middle', c: { hours: [{ price: 0.3, feedIn: 0, surplusW: 0 }, { price: 0.1, feedIn: 0, surplusW: 0 }, { price: 0.2, feedIn: 0, surplusW: 0 }], needWh: 15_000, maxPowerW: 11_000, minPowerW: 4_140, efficiency: 0.9 } },
    { name: 'sun in a dear hour beats the grid in a cheap one', c: { hours: [{ price: 0.1, feedIn: 0.05, surplusW: 0 }, { price: 0.35, feedIn: 0.08, surplusW: 7_000 }], needWh: 9_000, maxPowerW: 11_000, minPowerW: 4_140, efficiency: 0.9 } },
    { name: 'negative prices', c: { hours: [{ price: -0.05, feedIn: -0.05, surplusW: 3_000 }, { price: 0.2, feedIn: 0.07, surplusW: 9_000 }, { price: 0.02, feedIn: 0, surplusW: 0 }], needWh: 20_000, maxPowerW: 11_000, minPowerW: 1_380, efficiency: 0.85 } },
  ];
  for (const { name, c } of examples) {
    it(`equals the brute-force optimum: ${name}`, () => {
      const plan = planCharging(requestOf(c, H));
      const optimum = bruteForceOptimum(c)!;
      assert.ok(Math.abs(plan.expectedCost + plan.forgoneFeedIn - optimum) < 1e-9, `plan ${plan.expectedCost + plan.forgoneFeedIn}, optimum ${optimum}`);
    });
  }

  it('equals the brute-force optimum on random small cases, at 1 h and at 15 min resolution', () => {
    fc.assert(fc.property(smallCase, (c) => {
      const optimum = bruteForceOptimum(c);
      for (const resolutionMs of [H, 900_000]) {
        const plan = planCharging(requestOf(c, resolutionMs));
        if (optimum === undefined) {
          assert.equal(plan.status, 'too-late');
          continue;
        }
        if (c.needWh === 0) {
          assert.equal(plan.status, 'done');
          continue;
        }
        const planned = plan.expectedCost + plan.forgoneFeedIn;
        assert.ok(Math.abs(planned - optimum) <= 1e-9 * Math.max(1, Math.abs(optimum)), `plan ${planned}, optimum ${optimum}`);
      }
    }), { seed: 20250602, numRuns: 300 });
  });
});

describe('charging planner properties', () => {
  const general = fc.record({
    startOffsetMs: fc.integer({ min: 0, max: H - 1 }),
    lengthMs: fc.integer({ min: 0, max: 30 * H }),
    prices: fc.array(fc.option(price, { nil: undefined }), { minLength: 0, maxLength: 30 }),
    surplus: fc.array(fc.integer({ min: 0, max: 12_000 }), { minLength: 0, maxLength: 30 }),
    needWh: fc.integer({ min: 0, max: 100_000 }),
    maxPowerW: fc.integer({ min: 1_400, max: 22_000 }),
    efficiency: fc.integer({ min: 70, max: 100 }).map((pct) => pct / 100),
  });

  it('never plans outside [now, departure), delivers the need when it can, and charges from now when it cannot', () => {
    fc.assert(fc.property(general, (g) => {
      const nowMs = T0 + g.startOffsetMs;
      const departureMs = nowMs + g.lengthMs;
      const prices = g.prices.flatMap((p, i) => (p === undefined ? [] : [{ startMs: T0 + i * H, endMs: T0 + (i + 1) * H, pricePerKWh: p }]));
      const solarSurplus = g.surplus.map((powerW, i) => ({ startMs: T0 + i * H, endMs: T0 + (i + 1) * H, powerW }));
      const minPowerW = Math.round(g.maxPowerW * 0.3);
      const plan = planCharging({ nowMs, departureMs, need: { energyWh: g.needWh }, maxPowerW: g.maxPowerW, minPowerW,
        efficiency: g.efficiency, prices, solarSurplus });

      for (const [i, s] of plan.slots.entries()) {
        assert.ok(s.startMs >= nowMs && s.endMs <= departureMs && s.startMs < s.endMs, 'inside [now, departure)');
        const before = plan.slots[i - 1];
        if (before !== undefined) {
          assert.ok(s.startMs > before.endMs || (s.startMs === before.endMs && s.powerW !== before.powerW), 'sorted, separate blocks');
        }
        assert.ok(s.powerW >= minPowerW - 1e-9 && s.powerW <= g.maxPowerW + 1e-9, 'blocks run between the minimum and full power');
      }
      const gridWh = plan.slots.reduce((sum, s) => sum + s.gridEnergyWh, 0);
      assert.ok(Math.abs(gridWh - plan.expectedGridWh) < 1e-6);

      // The most the car could take before departure, at the wall.
      const capacityWh = (departureMs - nowMs) / H * g.maxPowerW;
      const wallNeedWh = g.needWh / g.efficiency;
      if (g.needWh === 0) {
        assert.equal(plan.status, 'done');
      } else if (departureMs <= nowMs) {
        assert.equal(plan.status, 'departed');
      } else if (capacityWh >= wallNeedWh * (1 + 1e-9)) {
        assert.notEqual(plan.status, 'too-late');
        assert.ok(plan.shortfallWh < 1e-6, `shortfall ${plan.shortfallWh}`);
        const deliveredWh = (plan.expectedGridWh + plan.expectedSolarWh) * g.efficiency;
        assert.ok(Math.abs(deliveredWh - g.needWh) < 1e-6 * Math.max(1, g.needWh), `delivers ${deliveredWh} of ${g.needWh}`);
      } else if (capacityWh < wallNeedWh * (1 - 1e-9)) {
        assert.equal(plan.status, 'too-late');
        assert.ok(plan.shortfallWh > 0);
        // Every moment from now to departure is either a grid block or full-power sun.
        const gridMs = plan.slots.reduce((sum, s) => sum + s.endMs - s.startMs, 0);
        const fullSunMs = solarSurplus.reduce((sum, s) => sum + (s.powerW >= g.maxPowerW
          ? Math.max(0, Math.min(s.endMs, departureMs) - Math.max(s.startMs, nowMs)) : 0), 0);
        assert.ok(Math.abs(gridMs + fullSunMs - (departureMs - nowMs)) < 1e-6);
        assert.equal(plan.activeNow, plan.slots[0]?.startMs === nowMs);
      }
      assert.deepEqual(planCharging({ nowMs, departureMs, need: { energyWh: g.needWh }, maxPowerW: g.maxPowerW, minPowerW,
        efficiency: g.efficiency, prices, solarSurplus }), plan, 'deterministic');
    }), { seed: 424242, numRuns: 400 });
  });
});
