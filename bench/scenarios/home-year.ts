import { EVCC_DEFAULTS, EvccController } from '../controllers/evcc.ts';
import { solveSolarOptimum } from '../controllers/solar-optimum.ts';
import { SunplugController } from '../controllers/sunplug.ts';
import { sunplugSettings } from '../controllers/sunplug-settings.ts';
import { DEFAULT_PLANT_OPTIONS, Site } from '../plant.ts';
import { Gateway, simulate, type Controller } from '../simulation.ts';
import { HOUR_MS } from '../time-zones.ts';
import type { HomeYear, YearSession } from './home-inputs.ts';

/**
 * The whole-home year: the CoSSMic home's hourly PV and household load (held for the hour), one car on an 11 kW
 * charger in solar mode with a year of real sessions. The plant and the controllers step once a minute (the 1-s
 * dynamics are the solar-tracking scenario's job; here every delay resolves within a step). Energy figures are over
 * the whole year; EV solar share = EV energy from surplus / EV energy.
 */
const MINUTE_MS = 60_000;
const MAIN_FUSE_A = 35;
const V = DEFAULT_PLANT_OPTIONS.voltageV;

export interface YearMetrics {
  controller: string;
  evKWh: number;
  evSolarKWh: number;
  needKWh: number;
  importKWh: number;
  exportKWh: number;
  pvKWh: number;
  loadKWh: number;
}

export const evSolarShare = (m: YearMetrics): number => (m.evKWh > 0 ? m.evSolarKWh / m.evKWh : 0);
export const selfConsumption = (m: YearMetrics): number => 1 - m.exportKWh / m.pvKWh;
export const selfSufficiency = (m: YearMetrics): number => 1 - m.importKWh / (m.loadKWh + m.evKWh);

/** Yearly flows with the EV's energy per hour given (W average), netted per hour. */
function flows(controller: string, home: HomeYear, evW: Float64Array, needKWh: number): YearMetrics {
  const m: YearMetrics = { controller, evKWh: 0, evSolarKWh: 0, needKWh, importKWh: 0, exportKWh: 0, pvKWh: 0, loadKWh: 0 };
  for (let t = 0; t < home.hours; t++) {
    const l = home.loadW[t]!;
    const pv = home.pvW[t]!;
    const ev = evW[t]!;
    const net = l + ev - pv;
    m.importKWh += Math.max(0, net) / 1000;
    m.exportKWh += Math.max(0, -net) / 1000;
    m.evKWh += ev / 1000;
    m.evSolarKWh += Math.min(ev, Math.max(0, pv - l)) / 1000;
    m.pvKWh += pv / 1000;
    m.loadKWh += l / 1000;
  }
  return m;
}

/**
 * The home with its own EV as measured, netted per hour like the simulated rows (reference/control.md §7 quotes
 * 68 % EV solar share and 20.6 % self-consumption from the meters, which also see import and export within an hour).
 */
export function asMeasured(home: HomeYear): YearMetrics {
  return flows('as measured (own EV)', home, home.measuredEvW, 0);
}

export async function runHomeYear(home: HomeYear, sessions: readonly YearSession[]): Promise<YearMetrics[]> {
  const needKWh = sessions.reduce((s, x) => s + x.needWh, 0) / 1000;
  const spec = { id: 'ev', phases: 3 as const, maxCurrentA: 16, meterValuesOffsetMs: 0 };
  const settings = sunplugSettings({ mainFuseA: MAIN_FUSE_A, chargers: [{ id: 'ev', phases: 3, maxCurrentA: 16, mode: 'solar' }] });
  const makers: [string, (g: Gateway) => Controller][] = [
    ['Sunplug', (g) => new SunplugController(g, settings, MINUTE_MS, 500)],
    ['evcc-style', (g) => new EvccController(g, [{ id: 'ev', mode: 'pv', phases: 3, minCurrentA: 6, maxCurrentA: 16 }], { ...EVCC_DEFAULTS, circuitMaxA: MAIN_FUSE_A })],
  ];
  const hourAt = (t: number): number => Math.min(home.hours - 1, Math.max(0, Math.floor((t - MINUTE_MS / 2 - home.startMs) / HOUR_MS)));
  const rows: YearMetrics[] = [];
  for (const [name, make] of makers) {
    const evW = new Float64Array(home.hours);
    const site = new Site([spec], DEFAULT_PLANT_OPTIONS, home.startMs);
    const gateway = new Gateway(site);
    const controller = make(gateway);
    const charger = site.charger('ev');
    for (const s of sessions) {
      const fromMs = Math.ceil(s.plugInMs / MINUTE_MS) * MINUTE_MS;
      const toMs = Math.floor(s.plugOutMs / MINUTE_MS) * MINUTE_MS;
      if (toMs <= fromMs) continue;
      charger.plugIn({ energyNeedWh: s.needWh, maxCurrentA: 16 }, fromMs);
      await simulate({
        site, controller, windows: [{ fromMs, toMs }], stepMs: MINUTE_MS,
        exogenous: (t) => {
          const h = hourAt(t);
          const perPhaseA = home.loadW[h]! / (3 * V);
          return { homeA: [perPhaseA, perPhaseA, perPhaseA], pvW: home.pvW[h]! };
        },
        observe: (t) => { evW[hourAt(t)]! += charger.currentA * 3 * V / 60; },
      });
      charger.unplug(toMs);
    }
    rows.push(flows(name, home, evW, needKWh));
  }
  rows.push(flows('optimum', home, await optimumEv(home, sessions), needKWh));
  return rows;
}

/**
 * Per session, the perfect-foresight schedule for the same plant limits (whole amps, 6 A floor, 16 A) per minute on
 * the held hourly data: most surplus into the car less grid energy it takes (1:1), up to its energy. (An hourly LP
 * without the floor would also use hours whose surplus is below 4.1 kW, which no charger can follow minute by minute.)
 */
async function optimumEv(home: HomeYear, sessions: readonly YearSession[]): Promise<Float64Array> {
  const evW = new Float64Array(home.hours);
  const hourOf = (t: number): number => Math.min(home.hours - 1, Math.floor((t - home.startMs) / HOUR_MS));
  for (const s of sessions) {
    const fromMs = Math.ceil(s.plugInMs / MINUTE_MS) * MINUTE_MS;
    const minutes = Array.from({ length: Math.max(0, Math.floor(s.plugOutMs / MINUTE_MS) - fromMs / MINUTE_MS) }, (_, k) => fromMs + k * MINUTE_MS);
    const p = solveSolarOptimum({
      surplusW: minutes.map((t) => home.pvW[hourOf(t)]! - home.loadW[hourOf(t)]!), stepH: 1 / 60, needWh: s.needWh, importWeight: 1,
      car: { phases: 3, voltageV: V, minA: 6, maxA: 16 },
    });
    minutes.forEach((t, k) => { evW[hourOf(t)]! += p[k]! / 60; });
  }
  return evW;
}
