import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { solveCostOptimum } from '../../bench/controllers/cost-optimum.ts';
import { solveSolarOptimum } from '../../bench/controllers/solar-optimum.ts';
import { DEFAULT_PLANT_OPTIONS, Site, type ChargerSpec } from '../../bench/plant.ts';

const T0 = Date.UTC(2018, 5, 1, 12);
const spec = (over: Partial<ChargerSpec> = {}): ChargerSpec => ({ id: 'c1', phases: 3, maxCurrentA: 16, meterValuesOffsetMs: 0, ...over });

/** A site with one charger and a car that never fills; steps it second by second to `untilS` after T0. */
function stepTo(site: Site, untilS: number, fromS = 0): void {
  for (let s = fromS + 1; s <= untilS; s++) site.advance(T0 + s * 1000);
}

describe('bench plant: the charger and the car', () => {
  it('offers nothing below the 6 A minimum and whole amps above it', () => {
    for (const [limitA, expectA] of [[5.9, 0], [6, 6], [10.7, 10], [15.99, 15], [20, 16]] as const) {
      const site = new Site([spec()], DEFAULT_PLANT_OPTIONS, T0);
      const c = site.charger('c1');
      c.plugIn({ energyNeedWh: Number.POSITIVE_INFINITY, maxCurrentA: 32 }, T0);
      c.send(limitA, T0);
      stepTo(site, 20);
      assert.equal(c.offeredA, expectA, `limit ${limitA} A`);
      assert.equal(c.currentA, expectA, `car current at limit ${limitA} A`);
    }
  });

  it('applies a limit after the charger delay and the car follows linearly within 5 s', () => {
    const site = new Site([spec()], DEFAULT_PLANT_OPTIONS, T0);
    const c = site.charger('c1');
    c.plugIn({ energyNeedWh: Number.POSITIVE_INFINITY, maxCurrentA: 16 }, T0);
    c.send(16, T0);
    stepTo(site, 2);
    assert.equal(c.offeredA, 16, 'applied at 2 s');
    assert.equal(c.currentA, 0, 'the car has not moved yet');
    stepTo(site, 4, 2);
    assert.ok(Math.abs(c.currentA - 6.4) < 1e-9, `2 s into the ramp: ${c.currentA} A`);
    stepTo(site, 7, 4);
    assert.equal(c.currentA, 16, 'at the offer 5 s after it applied');
    c.send(6, T0 + 7_000);
    stepTo(site, 9, 7);
    assert.equal(c.currentA, 16, 'a reduction also waits for the charger');
    stepTo(site, 14, 9);
    assert.equal(c.currentA, 6);
  });

  it('reports MeterValues only every 10 s, with the current at that instant', () => {
    const site = new Site([spec({ meterValuesOffsetMs: 3_000 })], DEFAULT_PLANT_OPTIONS, T0);
    const c = site.charger('c1');
    c.plugIn({ energyNeedWh: Number.POSITIVE_INFINITY, maxCurrentA: 16 }, T0);
    c.send(10, T0);
    stepTo(site, 5);
    assert.equal(c.state().measuredAtMs, T0 + 3_000);
    assert.deepEqual(c.state().phaseCurrentsA, [2, 2, 2], 'measured 1 s into the ramp');
    stepTo(site, 12, 5);
    assert.equal(c.state().measuredAtMs, T0 + 3_000, 'still the old report');
    assert.equal(c.currentA, 10);
    stepTo(site, 13, 12);
    assert.equal(c.state().measuredAtMs, T0 + 13_000);
    assert.equal(c.state().powerW, 10 * 3 * 230);
  });

  it('stops the car when its energy need is met', () => {
    const site = new Site([spec()], { ...DEFAULT_PLANT_OPTIONS, evRampMs: 0, applyDelayMs: 0 }, T0);
    const c = site.charger('c1');
    c.plugIn({ energyNeedWh: 100, maxCurrentA: 16 }, T0);
    c.send(16, T0);
    stepTo(site, 60);
    assert.equal(c.currentA, 0);
    assert.ok(c.sessionWh >= 100 && c.sessionWh < 100 + 16 * 690 / 3600 + 1e-9, `${c.sessionWh} Wh`);
  });

  it('meters the grid per phase as household + EV − PV, with a 1-phase charger on L1', () => {
    const site = new Site([spec(), spec({ id: 'c2', phases: 1 })], { ...DEFAULT_PLANT_OPTIONS, evRampMs: 0, applyDelayMs: 0 }, T0);
    for (const c of site.chargers) {
      c.plugIn({ energyNeedWh: Number.POSITIVE_INFINITY, maxCurrentA: 16 }, T0);
      c.send(8, T0);
    }
    stepTo(site, 1);
    const r = site.gridReading(T0 + 1000, { homeA: [2, 3, 4], pvW: 3 * 230 * 5 });
    assert.deepEqual(r.phaseCurrentsA, [2 + 8 + 8 - 5, 3 + 8 - 5, 4 + 8 - 5]);
    assert.equal(r.powerW, (13 + 6 + 7) * 230);
  });
});

describe('bench optimum', () => {
  it('the cost LP charges from the sun before the cheap hour and the cheap hour before the dear one', async () => {
    // Hour 0: 6 kW of surplus, import 0.30 €/kWh; hour 1: no sun, 0.10 €/kWh; feed-in 0.08 €/kWh; 8 kWh needed.
    const input = { buyPerKWh: [0.3, 0.1], feedInPerKWh: 0.08, maxW: 11_040, minW: 4_140,
      sessions: [{ steps: [{ t: 0, avail: 1 }, { t: 1, avail: 1 }], needWh: 8000 }] };
    assert.deepEqual((await solveCostOptimum({ ...input, surplusW: [6000, 0] })).energyWh.map(Math.round), [6000, 2000]);
    // 3 kW is below the 4.14 kW minimum: the car can take it only in bursts at 4.14 kW, 72 % sun, 0.14 €/kWh > 0.10.
    assert.deepEqual((await solveCostOptimum({ ...input, surplusW: [3000, 0] })).energyWh.map(Math.round), [0, 8000]);
  });

  it('the whole-amp solar optimum matches an exhaustive search on a small case', () => {
    const surplusW = [5000, 2000, 8000, -100, 3000];
    const car = { phases: 3, voltageV: 230, minA: 6, maxA: 16 };
    const unlimited = solveSolarOptimum({ surplusW, stepH: 1, needWh: 1e9, importWeight: 1, car });
    assert.deepEqual(unlimited, [7, 0, 12, 0, 6].map((a) => a * 690), 'nearest amp, and 6 A when half of it is sun');
    const needWh = 10_000;
    const capped = solveSolarOptimum({ surplusW, stepH: 1, needWh, importWeight: 1, car });
    const value = (amps: readonly number[]): number => amps.reduce((v, a, t) => {
      const captured = Math.min(a * 690, Math.max(0, surplusW[t]!));
      return v + captured - (a * 690 - captured);
    }, 0);
    const choices = [0, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    let best = Number.NEGATIVE_INFINITY;
    const search = (prefix: number[]): void => {
      if (prefix.reduce((s, a) => s + a * 690, 0) > needWh) return;
      if (prefix.length === surplusW.length) { best = Math.max(best, value(prefix)); return; }
      for (const a of choices) search([...prefix, a]);
    };
    search([]);
    assert.ok(capped.reduce((s, w) => s + w, 0) <= needWh);
    assert.equal(value(capped.map((w) => w / 690)), best);
  });
});
