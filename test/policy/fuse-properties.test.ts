import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide, INITIAL_POLICY_STATE } from '../../src/policy/decide.ts';
import { chargerGridPhases, chargerHeadroomA, chargerPhaseCurrentsA, gridPhaseCurrentsA } from '../../src/policy/fuse-guard.ts';
import type { ChargerPolicySettings, PhaseRotation } from '../../src/policy/policy-settings.ts';
import { charger, grid, settings, T0 } from './policy-fixtures.ts';

const chargerArb = fc.record({
  mode: fc.constantFrom('off', 'solar', 'minsolar', 'fast'),
  phases: fc.constantFrom(1 as const, 3 as const),
  phaseRotation: fc.constantFrom<PhaseRotation>('L1L2L3', 'L2L3L1', 'L3L1L2'),
  maxCurrentA: fc.integer({ min: 6, max: 32 }),
  priority: fc.integer({ min: 0, max: 3 }),
  drawingA: fc.double({ min: 0, max: 32, noNaN: true }),
});

const siteArb = fc.record({
  mainFuseA: fc.integer({ min: 16, max: 63 }),
  homeA: fc.tuple(fc.double({ min: -40, max: 70, noNaN: true }), fc.double({ min: -40, max: 70, noNaN: true }), fc.double({ min: -40, max: 70, noNaN: true })),
});

describe('fuse properties (fast-check)', () => {
  it('whatever the load, the limits never exceed any phase of the main fuse or any sub-circuit', () => {
    fc.assert(fc.property(siteArb, fc.array(chargerArb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 10, max: 40 }), (site, specs, circuitA) => {
      const cfgs: Partial<ChargerPolicySettings>[] = specs.map((c) => ({ mode: c.mode, phases: c.phases, phaseRotation: c.phaseRotation, maxCurrentA: c.maxCurrentA, priority: c.priority }));
      const s = { ...settings(cfgs, { mainFuseA: site.mainFuseA }), circuits: [{ id: 'sub', maxCurrentA: circuitA, chargerIds: ['c1', 'c2'] }] };
      const chargers = specs.map((c, i) => {
        const state = charger(`c${i + 1}`, T0, 0, c.phases);
        return { ...state, powerW: c.drawingA * c.phases * 230, phaseCurrentsA: Array(c.phases).fill(c.drawingA) };
      });
      // The grid sees the home plus what the chargers draw, on the phases they are wired to.
      const gridA = [...site.homeA];
      specs.forEach((c, i) => chargerGridPhases(c.phases, c.phaseRotation).forEach((p) => { gridA[p]! += chargers[i]!.phaseCurrentsA![0]!; }));
      const reading = grid(T0, gridA.reduce((a, b) => a + b, 0) * 230, gridA as [number, number, number]);
      const d = decide({ nowMs: T0, grid: reading, chargers }, INITIAL_POLICY_STATE, s);
      const loadA = [0, 0, 0];
      const subA = [0, 0, 0];
      d.limits.forEach((limit) => {
        const i = Number(limit.chargerId.slice(1)) - 1;
        const spec = specs[i]!;
        assert.ok(limit.currentA === 0 || limit.currentA >= 6, 'a limit is 0 or at least the minimum');
        assert.ok(limit.currentA <= spec.maxCurrentA);
        for (const p of chargerGridPhases(spec.phases, spec.phaseRotation)) {
          loadA[p]! += limit.currentA;
          if (i < 2) subA[p]! += limit.currentA;
        }
      });
      const headroom = chargerHeadroomA(gridPhaseCurrentsA(reading, s.site),
        chargers.reduce<[number, number, number]>((sum, c, i) => {
          const own = chargerPhaseCurrentsA(c, specs[i]!.phases, 230, specs[i]!.phaseRotation);
          return [sum[0] + own[0], sum[1] + own[1], sum[2] + own[2]];
        }, [0, 0, 0]), s.site);
      for (let p = 0; p < 3; p++) {
        // Chargers without a car are offered what is left but draw nothing: they are not counted against the fuse.
        const carsA = d.limits.reduce((sum, l) => {
          const i = Number(l.chargerId.slice(1)) - 1;
          return chargerGridPhases(specs[i]!.phases, specs[i]!.phaseRotation).includes(p) && specs[i]!.mode !== 'off' ? sum + l.currentA : sum;
        }, 0);
        assert.ok(carsA <= Math.max(0, headroom[p]!) + 1e-6, `phase ${p + 1}: ${carsA} A of limits within ${headroom[p]!.toFixed(2)} A headroom`);
        assert.ok(subA[p]! <= circuitA + 1e-6, `phase ${p + 1}: sub-circuit ${subA[p]} A within ${circuitA} A`);
      }
    }), { numRuns: 500, seed: 20261122 });
  });

  it('a stale grid meter always yields the safe current, whatever the mode and the last reading', () => {
    fc.assert(fc.property(fc.array(chargerArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 10_001, max: 10_000_000 }), fc.double({ min: -20_000, max: 20_000, noNaN: true }),
      fc.integer({ min: 0, max: 16 }), (specs, ageMs, powerW, safeA) => {
        const s = settings(specs.map((c) => ({ mode: c.mode, phases: c.phases, maxCurrentA: c.maxCurrentA })), { safeCurrentA: safeA });
        const chargers = specs.map((c, i) => charger(`c${i + 1}`, T0, c.drawingA, c.phases));
        const d = decide({ nowMs: T0, grid: grid(T0 - ageMs, powerW), chargers }, INITIAL_POLICY_STATE, s);
        d.limits.forEach((limit, i) => {
          const expected = safeA >= 6 ? Math.min(safeA, specs[i]!.maxCurrentA) : 0;
          assert.deepEqual([limit.currentA, limit.reason, limit.safety], [expected, 'stale-meter', true]);
        });
      }), { numRuns: 300, seed: 20261122 });
  });
});
