import type { PhaseValues } from '../../src/domain/meter-reading.ts';
import { seededRandom } from '../../src/sim/seeded-random.ts';

/**
 * Household loads for the fuse scenario: a small even base load plus single-phase appliances on L1, the risky case
 * of reference/control.md §6.1 (a car on every phase plus a cooktop and a kettle on one phase). L1 stays at or below
 * 22 A on its own, so the chargers can always bring the phase back under a 25 A fuse.
 */
const BASE_A = 1.5;

/** Steps on L1 every 90 s through a fixed list (A, on top of the base), for `durationMs`. */
export function steppedLoad(startMs: number): (atMs: number) => PhaseValues {
  const levels = [0, 12, 20, 4, 22, 0, 8, 18, 2, 22, 10, 0];
  return (atMs) => {
    const k = Math.floor(Math.max(0, atMs - startMs) / 90_000) % levels.length;
    return [BASE_A + levels[k]!, BASE_A, BASE_A];
  };
}

interface Appliance {
  name: string;
  currentA: number;
  meanOnMs: number;
  /** Mean time between switch-ons, ms. */
  meanGapMs: number;
}

const APPLIANCES: Appliance[] = [
  { name: 'kettle', currentA: 9, meanOnMs: 180_000, meanGapMs: 1_200_000 },
  { name: 'hob', currentA: 11, meanOnMs: 900_000, meanGapMs: 2_400_000 },
  { name: 'oven', currentA: 9, meanOnMs: 1_500_000, meanGapMs: 3_600_000 },
  { name: 'washer heater', currentA: 9, meanOnMs: 600_000, meanGapMs: 2_400_000 },
  { name: 'microwave', currentA: 5, meanOnMs: 120_000, meanGapMs: 900_000 },
];

/**
 * Appliances on L1 switching on and off at random (exponential times, seeded), 1-s resolution, capped at 22 A.
 * Precomputed for `durationMs` so that every controller sees the same load.
 */
export function randomLoad(startMs: number, durationMs: number, seed: number): (atMs: number) => PhaseValues {
  const random = seededRandom(seed);
  const exp = (mean: number): number => -Math.log(1 - random()) * mean;
  const seconds = Math.ceil(durationMs / 1000) + 1;
  const l1 = new Float64Array(seconds);
  for (const a of APPLIANCES) {
    let t = exp(a.meanGapMs);
    while (t < durationMs) {
      const on = exp(a.meanOnMs);
      for (let s = Math.floor(t / 1000); s < Math.min(seconds, Math.floor((t + on) / 1000)); s++) l1[s]! += a.currentA;
      t += on + exp(a.meanGapMs);
    }
  }
  for (let s = 0; s < seconds; s++) l1[s] = Math.min(22, l1[s]!);
  return (atMs) => {
    const s = Math.min(seconds - 1, Math.max(0, Math.floor((atMs - startMs) / 1000)));
    return [BASE_A + l1[s]!, BASE_A, BASE_A];
  };
}
