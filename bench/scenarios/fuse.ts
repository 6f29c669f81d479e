import type { PhaseValues } from '../../src/domain/meter-reading.ts';
import { EVCC_DEFAULTS, EvccController } from '../controllers/evcc.ts';
import { SunplugController } from '../controllers/sunplug.ts';
import { sunplugSettings } from '../controllers/sunplug-settings.ts';
import { DEFAULT_PLANT_OPTIONS, offeredCurrentA, Site, type ChargerSpec } from '../plant.ts';
import { Gateway, simulate, type Controller } from '../simulation.ts';
import { randomLoad, steppedLoad } from './fuse-loads.ts';

/**
 * Fuse: 1 to 4 three-phase 16 A chargers in fast mode on a 3 × 25 A main fuse, household load stepping or switching
 * at random on L1. Per phase and second: time and A·s above the rating, peak, the longest stretch above 1.45 × the
 * rating (IEC 60898-1 conventional tripping current) with the charger's 2 s and the car's 5 s included.
 *
 * Response time of an overload: an episode starts with a grid reading above the rating on a phase; it is answered
 * when the limits already sent (as the chargers will offer them: whole amps, 0 below 6 A) plus the household on that
 * phase fit the rating. So limits sent before the reading count (0 s), and an overload the controller never answers
 * lasts until the household load drops.
 */
export const FUSE_A = 25;
const TRIP_FACTOR = 1.45;

export interface FuseRun {
  controller: string;
  load: 'stepped' | 'random';
  chargers: number;
  durationS: number;
  secondsAbove: number;
  ampSecondsAbove: number;
  peakA: number;
  longestAboveTripS: number;
  responsesMs: number[];
  /** Episodes that began without the household load rising on that phase: caused by the chargers' own currents. */
  chargerCausedEpisodes: number;
  /** Episodes answered later than the reading that started them: start (s into the run), phase, response (ms). */
  slowEpisodes: { atS: number; phase: number; responseMs: number }[];
  evKWh: number;
  writes: number;
}

const START_MS = Date.UTC(2018, 5, 1, 12);

export async function runFuseCases(): Promise<FuseRun[]> {
  const runs: FuseRun[] = [];
  const loads = [
    { load: 'stepped' as const, durationMs: 3_600_000, homeA: steppedLoad(START_MS) },
    { load: 'random' as const, durationMs: 7_200_000, homeA: randomLoad(START_MS, 7_200_000, 61851) },
  ];
  for (const { load, durationMs, homeA } of loads) {
    for (let n = 1; n <= 4; n++) {
      const specs: ChargerSpec[] = Array.from({ length: n }, (_, i) => ({
        id: `c${i + 1}`, phases: 3, maxCurrentA: 16, meterValuesOffsetMs: 3_000 + i * 2_500,
      }));
      const settings = sunplugSettings({ mainFuseA: FUSE_A, chargers: specs.map((s) => ({ id: s.id, phases: 3, maxCurrentA: 16, mode: 'fast' as const })) });
      const makers: [string, (g: Gateway) => Controller][] = [
        ['Sunplug', (g) => new SunplugController(g, settings)],
        ['evcc-style', (g) => new EvccController(g, specs.map((s) => ({ id: s.id, mode: 'now' as const, phases: 3 as const, minCurrentA: 6, maxCurrentA: 16 })),
          { ...EVCC_DEFAULTS, circuitMaxA: FUSE_A })],
      ];
      for (const [name, make] of makers) runs.push(await runOne(name, load, specs, durationMs, homeA, make));
      runs.push(optimumRun(load, n, durationMs, homeA));
    }
  }
  return runs;
}

async function runOne(name: string, load: FuseRun['load'], specs: ChargerSpec[], durationMs: number,
  homeA: (t: number) => PhaseValues, make: (g: Gateway) => Controller): Promise<FuseRun> {
  const site = new Site(specs, DEFAULT_PLANT_OPTIONS, START_MS);
  const gateway = new Gateway(site);
  const controller = make(gateway);
  for (const c of site.chargers) c.plugIn({ energyNeedWh: Number.POSITIVE_INFINITY, maxCurrentA: 16 }, START_MS);
  const run: FuseRun = { controller: name, load, chargers: specs.length, durationS: durationMs / 1000, secondsAbove: 0,
    ampSecondsAbove: 0, peakA: 0, longestAboveTripS: 0, responsesMs: [], chargerCausedEpisodes: 0, slowEpisodes: [], evKWh: 0, writes: 0 };
  const sentA = new Map<string, number>(specs.map((s) => [s.id, 0]));
  // Per phase: start of the open episode and whether it has been answered. An episode ends once it is answered and
  // the phase reads at or below the rating again; only then can a new one start.
  const open: (number | undefined)[] = [undefined, undefined, undefined];
  const answered = [false, false, false];
  let home: PhaseValues = homeA(START_MS);
  let stretch = 0;
  const answer = (atMs: number): void => {
    const evA = [...sentA.values()].reduce((sum, a) => sum + offeredCurrentA(a, 6, 16), 0);
    for (let p = 0; p < 3; p++) {
      const since = open[p];
      if (since !== undefined && !answered[p] && home[p]! + evA <= FUSE_A + 1e-9) {
        run.responsesMs.push(atMs - since);
        if (atMs > since) run.slowEpisodes.push({ atS: (since - START_MS) / 1000, phase: p, responseMs: atMs - since });
        answered[p] = true;
      }
    }
  };
  gateway.onSend((limit) => {
    sentA.set(limit.chargerId, limit.currentA);
    answer(limit.atMs);
  });
  await simulate({
    site, controller, windows: [{ fromMs: START_MS, toMs: START_MS + durationMs }], stepMs: 1_000,
    exogenous: (t) => ({ homeA: homeA(t), pvW: 0 }),
    observe: (t, reading, exo) => {
      const before = home;
      home = exo.homeA;
      const a = reading.phaseCurrentsA!;
      const peak = Math.max(a[0], a[1], a[2]);
      run.peakA = Math.max(run.peakA, peak);
      if (peak > FUSE_A) run.secondsAbove++;
      run.ampSecondsAbove += a.reduce((s, x) => s + Math.max(0, x - FUSE_A), 0);
      stretch = peak > TRIP_FACTOR * FUSE_A ? stretch + 1 : 0;
      run.longestAboveTripS = Math.max(run.longestAboveTripS, stretch);
      for (let p = 0; p < 3; p++) {
        if (open[p] !== undefined && answered[p] && a[p]! <= FUSE_A) open[p] = undefined;
        if (a[p]! <= FUSE_A || open[p] !== undefined) continue;
        open[p] = t;
        answered[p] = false;
        if (home[p]! <= before[p]!) run.chargerCausedEpisodes++;
      }
      answer(t);
      run.evKWh += site.chargers.reduce((s, c) => s + c.currentA * 3 * 230, 0) / 3.6e6;
    },
  });
  run.writes = gateway.sent.length;
  return run;
}

/** Perfect foresight: each second the most whole amps that fit under the rating on every phase, no overload. */
function optimumRun(load: FuseRun['load'], n: number, durationMs: number, homeA: (t: number) => PhaseValues): FuseRun {
  let evKWh = 0;
  let peakA = 0;
  for (let t = START_MS + 1_000; t <= START_MS + durationMs; t += 1_000) {
    const h = homeA(t);
    const homeMaxA = Math.max(h[0], h[1], h[2]);
    const capA = Math.floor(FUSE_A - homeMaxA + 1e-9);
    const evA = capA >= 6 ? Math.min(capA, 16 * n) : 0;
    evKWh += evA * 3 * 230 / 3.6e6;
    peakA = Math.max(peakA, homeMaxA + evA);
  }
  return { controller: 'optimum', load, chargers: n, durationS: durationMs / 1000, secondsAbove: 0, ampSecondsAbove: 0,
    peakA, longestAboveTripS: 0, responsesMs: [], chargerCausedEpisodes: 0, slowEpisodes: [], evKWh, writes: 0 };
}
