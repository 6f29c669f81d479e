import type { ChargerState } from '../../src/domain/charger-state.ts';
import { decide, INITIAL_POLICY_STATE, type PolicyState } from '../../src/policy/decide.ts';
import { seededRandom } from '../../src/sim/seeded-random.ts';
import { sunplugSettings } from '../controllers/sunplug-settings.ts';

/**
 * decide() time per tick with 1, 10 and 100 chargers: half in solar mode, half fast, every car plugged in and
 * charging, 3 kW of export, the grid reading moving a little each tick. The supply is 4 A per charger (at least
 * 35 A), so the fuse cannot feed every car at once and the allocation has to pause some: its slowest path.
 * Timed with performance.now() around each call after a warm-up; the policy state is carried from tick to tick.
 * The headline figure is the median over batches of 20 calls of the mean time per call: robust to the scheduler
 * pausing the process (the bench shares its cores); single-call p99 is shown too and is the noisier figure.
 */
export interface ComputeRow {
  chargers: number;
  iterations: number;
  /** Median over batches of the mean time per call, µs. */
  typicalUs: number;
  meanUs: number;
  p99Us: number;
}

const BATCH = 20;

export function runCompute(): ComputeRow[] {
  return [[1, 20_000], [10, 5_000], [100, 1_000]].map(([n, iterations]) => timeDecide(n!, iterations!));
}

function timeDecide(n: number, iterations: number): ComputeRow {
  const settings = sunplugSettings({
    mainFuseA: Math.max(35, 4 * n),
    chargers: Array.from({ length: n }, (_, i) => ({ id: `c${String(i).padStart(3, '0')}`, phases: 3 as const, maxCurrentA: 16, mode: i % 2 === 0 ? 'solar' as const : 'fast' as const })),
  });
  const random = seededRandom(n);
  const t0 = Date.UTC(2018, 5, 1, 12);
  let state: PolicyState = INITIAL_POLICY_STATE;
  const samples: number[] = [];
  const warmup = Math.min(1_000, iterations);
  for (let k = 0; k < warmup + iterations; k++) {
    const nowMs = t0 + k * 1_000;
    const chargers: ChargerState[] = settings.chargers.map((c, i) => {
      const a = 6 + ((i * 7 + Math.floor(k / 10)) % 10);
      return { id: c.id, connected: true, status: 'charging', vehicleConnected: true, powerW: a * 690, phaseCurrentsA: [a, a, a],
        offeredCurrentA: a, measuredAtMs: nowMs - 3_000 };
    });
    const evA = chargers.reduce((s, c) => s + c.phaseCurrentsA![0]!, 0);
    const phaseA = evA - 3_000 / 690 + (random() - 0.5) * 0.6;
    const grid = { atMs: nowMs, powerW: phaseA * 690, phaseCurrentsA: [phaseA, phaseA, phaseA] as const };
    const started = performance.now();
    const decision = decide({ nowMs, grid, chargers }, state, settings);
    const elapsed = performance.now() - started;
    state = decision.next;
    if (k >= warmup) samples.push(elapsed * 1000);
  }
  const batches: number[] = [];
  for (let b = 0; b + BATCH <= samples.length; b += BATCH) batches.push(samples.slice(b, b + BATCH).reduce((s, x) => s + x, 0) / BATCH);
  batches.sort((a, b) => a - b);
  samples.sort((a, b) => a - b);
  const at = (xs: number[], q: number): number => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
  return { chargers: n, iterations, typicalUs: at(batches, 0.5), meanUs: samples.reduce((s, x) => s + x, 0) / samples.length, p99Us: at(samples, 0.99) };
}
