import type { PhaseValues } from '../../src/domain/meter-reading.ts';
import type { SurplusSlot } from '../../src/policy/planner.ts';
import { DEFAULT_PLANNING } from '../../src/policy/policy-settings.ts';
import { EVCC_DEFAULTS, EvccController } from '../controllers/evcc.ts';
import { solveSolarOptimum } from '../controllers/solar-optimum.ts';
import { SunplugController } from '../controllers/sunplug.ts';
import { sunplugSettings } from '../controllers/sunplug-settings.ts';
import { DEFAULT_PLANT_OPTIONS, Site, type ChargerSpec } from '../plant.ts';
import { Gateway, simulate, type Controller, type Window } from '../simulation.ts';
import { DAY_MS } from '../time-zones.ts';
import type { BenchSession } from './solar-inputs.ts';

/**
 * Solar tracking at 1 s: one charger in solar mode, real household load and measured irradiance, real sessions.
 * Scored only while a car is plugged in and the sun is up (plus 15 min), per step:
 * surplus S = PV − household (W); captured = min(EV, max(S, 0)); grid energy the EV took = EV − captured.
 * The optimum is the perfect-foresight schedule for the same plant limits (6 A floor, whole amps, 16 A, the session's
 * energy), per minute, maximising captured surplus less grid energy taken by the car (1:1), replayed on the 1-s data.
 */
export const MAIN_FUSE_A = 35;
const MINUTE_MS = 60_000;
const TAIL_MS = 15 * MINUTE_MS;

export interface SolarInputs {
  pvW: (wallMs: number) => number;
  homeA: (wallMs: number) => PhaseValues;
  sessions: readonly BenchSession[];
}

export interface SolarMetrics {
  controller: string;
  surplusKWh: number;
  capturedKWh: number;
  evKWh: number;
  evGridKWh: number;
  needKWh: number;
  /** Σ over sessions of min(surplus while plugged in, energy needed), kWh (control.md §7 denominator). */
  boundKWh: number;
  /**
   * Tracking error while the car charges, kWh: ∫|EV power − surplus clamped to the car's range| dt, i.e. the grid power
   * a perfect follower would have avoided (control.md §7, with the export above the car's maximum left out).
   */
  trackingErrorKWh: number;
  starts: number;
  writes: number;
  /** 1-phase/3-phase switches the charger made. */
  phaseSwitches: number;
}

/** The car and charger of a solar case; `switchesPhases`: a 3-phase charger that can switch to 1 phase. */
export interface SolarCar {
  phases: 1 | 3;
  maxCurrentA: number;
  switchesPhases?: boolean;
}

export interface SolarCaseResult {
  name: string;
  sessions: number;
  scoredHours: number;
  rows: SolarMetrics[];
}

/** Daylight windows of a session, whole minutes: from the first to 15 min past the last minute with PV. */
export function sessionWindows(s: BenchSession, pvW: (wallMs: number) => number): Window[] {
  const windows: Window[] = [];
  for (let day = Math.floor(s.plugInMs / DAY_MS) * DAY_MS; day < s.plugOutMs; day += DAY_MS) {
    let first = -1;
    let last = -1;
    for (let m = 0; m < 1440; m++) {
      if (pvW(day + m * MINUTE_MS + 30_000) > 0) { if (first < 0) first = m; last = m; }
    }
    if (first < 0) continue;
    const from = Math.max(s.plugInMs, day + first * MINUTE_MS);
    const to = Math.min(s.plugOutMs, day + (last + 1) * MINUTE_MS + TAIL_MS);
    const fromMs = Math.ceil(from / MINUTE_MS) * MINUTE_MS;
    const toMs = Math.floor(to / MINUTE_MS) * MINUTE_MS;
    if (toMs > fromMs) windows.push({ fromMs, toMs });
  }
  return windows;
}

/** Hourly forecast of the surplus from the hour of `nowMs` to `untilMs`: each hour's mean of the measured surplus per minute. */
function hourlySurplusForecast(inputs: SolarInputs): (nowMs: number, untilMs: number) => SurplusSlot[] {
  const hourMs = 3_600_000;
  const means = new Map<number, number>();
  const meanOf = (startMs: number): number => {
    let w = means.get(startMs);
    if (w === undefined) {
      w = 0;
      for (let m = 0; m < 60; m++) w += Math.max(0, surplusW(inputs, startMs + m * MINUTE_MS + 30_000)) / 60;
      means.set(startMs, w);
    }
    return w;
  };
  return (nowMs, untilMs) => {
    const slots: SurplusSlot[] = [];
    for (let start = Math.floor(nowMs / hourMs) * hourMs; start < untilMs; start += hourMs) {
      slots.push({ startMs: start, endMs: start + hourMs, powerW: meanOf(start) });
    }
    return slots;
  };
}

function surplusW(inputs: SolarInputs, t: number): number {
  const h = inputs.homeA(t);
  return inputs.pvW(t) - (h[0] + h[1] + h[2]) * DEFAULT_PLANT_OPTIONS.voltageV;
}

function emptyMetrics(controller: string): SolarMetrics {
  return { controller, surplusKWh: 0, capturedKWh: 0, evKWh: 0, evGridKWh: 0, needKWh: 0, boundKWh: 0, trackingErrorKWh: 0, starts: 0, writes: 0, phaseSwitches: 0 };
}

export async function runSolarCase(name: string, inputs: SolarInputs, car: SolarCar): Promise<SolarCaseResult> {
  const windows = inputs.sessions.map((s) => sessionWindows(s, inputs.pvW));
  const switching = car.switchesPhases === true && car.phases === 3;
  const spec: ChargerSpec = { id: 'ev', phases: car.phases, maxCurrentA: car.maxCurrentA, meterValuesOffsetMs: 3_000, ...(switching ? { switchesPhases: true } : {}) };
  const base = sunplugSettings({ mainFuseA: MAIN_FUSE_A, chargers: [{ id: 'ev', phases: car.phases, maxCurrentA: car.maxCurrentA, mode: 'solar' }] });
  const settings = switching ? { ...base, chargers: base.chargers.map((c) => ({ ...c, phaseSwitching: true })) } : base;
  // Sunplug knows each session's departure and energy (as from the car's OCPP 2.0.1 charging needs or the homeowner's
  // plan) and an hourly surplus forecast: the hour's mean of the measured surplus (clouds within the hour unknown).
  // planning.efficiency 1: the session's need is metered at the wall.
  const planned = { ...settings, planning: { ...DEFAULT_PLANNING, efficiency: 1 } };
  let sunplug: SunplugController | undefined;
  const forecast = hourlySurplusForecast(inputs);
  const factories: [string, (g: Gateway) => Controller][] = [
    ['Sunplug', (g) => {
      sunplug = new SunplugController(g, planned);
      return sunplug;
    }],
    ['evcc-style', (g) => new EvccController(g, [{ id: 'ev', mode: 'pv', phases: car.phases, minCurrentA: 6, maxCurrentA: car.maxCurrentA }],
      { ...EVCC_DEFAULTS, circuitMaxA: MAIN_FUSE_A })],
  ];
  const v = DEFAULT_PLANT_OPTIONS.voltageV;
  const clampW = (sW: number): number => Math.min(car.maxCurrentA * car.phases * v, Math.max(6 * (switching ? 1 : car.phases) * v, sW));
  const rows: SolarMetrics[] = [];
  for (const [label, make] of factories) {
    const m = emptyMetrics(label);
    const site = new Site([spec], DEFAULT_PLANT_OPTIONS, windows.flat()[0]?.fromMs ?? 0);
    const gateway = new Gateway(site);
    const controller = make(gateway);
    const charger = site.charger('ev');
    for (const [i, s] of inputs.sessions.entries()) {
      const ws = windows[i]!;
      if (ws.length === 0) continue;
      charger.plugIn({ energyNeedWh: s.needWh, maxCurrentA: car.maxCurrentA }, ws[0]!.fromMs);
      if (label === 'Sunplug' && sunplug !== undefined) {
        sunplug.setPlan('ev', { departureAtMs: s.plugOutMs, energyWh: s.needWh, source: 'vehicle', setAtMs: ws[0]!.fromMs });
        sunplug.surplusForecast = (nowMs) => forecast(nowMs, s.plugOutMs);
      }
      let surplusWh = 0;
      let wasOn = charger.offeredA > 0;
      await simulate({
        site, controller, windows: ws, stepMs: 1_000,
        exogenous: (t) => ({ homeA: inputs.homeA(t), pvW: inputs.pvW(t) }),
        observe: (_t, _reading, exo) => {
          const sW = exo.pvW - (exo.homeA[0] + exo.homeA[1] + exo.homeA[2]) * DEFAULT_PLANT_OPTIONS.voltageV;
          const evW = charger.currentA * charger.phases * DEFAULT_PLANT_OPTIONS.voltageV;
          if (evW > 0) m.trackingErrorKWh += Math.abs(evW - clampW(sW)) / 3.6e6;
          const captured = Math.min(evW, Math.max(0, sW));
          surplusWh += Math.max(0, sW) / 3600;
          m.capturedKWh += captured / 3.6e6;
          m.evKWh += evW / 3.6e6;
          const on = charger.offeredA > 0;
          if (on && !wasOn) m.starts++;
          wasOn = on;
        },
      });
      charger.unplug(ws[ws.length - 1]!.toMs);
      m.surplusKWh += surplusWh / 1000;
      m.needKWh += s.needWh / 1000;
      m.boundKWh += Math.min(surplusWh, s.needWh) / 1000;
    }
    m.evGridKWh = m.evKWh - m.capturedKWh;
    m.writes = gateway.sent.length;
    m.phaseSwitches = charger.phaseSwitches;
    rows.push(m);
  }
  rows.push(await optimumRow(inputs, windows, car));
  const scoredHours = windows.flat().reduce((h, w) => h + (w.toMs - w.fromMs) / 3_600_000, 0);
  return { name, sessions: windows.filter((w) => w.length > 0).length, scoredHours, rows };
}

async function optimumRow(inputs: SolarInputs, windows: Window[][], car: SolarCar): Promise<SolarMetrics> {
  const m = emptyMetrics('optimum');
  const v = DEFAULT_PLANT_OPTIONS.voltageV;
  const switching = car.switchesPhases === true && car.phases === 3;
  const clampW = (sW: number): number => Math.min(car.maxCurrentA * car.phases * v, Math.max(6 * (switching ? 1 : car.phases) * v, sW));
  for (const [i, s] of inputs.sessions.entries()) {
    const ws = windows[i]!;
    const minutes = ws.flatMap((w) => Array.from({ length: (w.toMs - w.fromMs) / MINUTE_MS }, (_, k) => w.fromMs + k * MINUTE_MS));
    const perSecond = minutes.map((start) => Array.from({ length: 60 }, (_, k) => surplusW(inputs, start + (k + 1) * 1_000)));
    const meanW = perSecond.map((xs) => xs.reduce((a, b) => a + b, 0) / 60);
    const powerW = solveSolarOptimum({
      surplusW: meanW, stepH: 1 / 60, needWh: s.needWh, importWeight: 1,
      car: { phases: car.phases, voltageV: v, minA: 6, maxA: car.maxCurrentA, switchesPhases: switching },
    });
    let surplusWh = 0;
    let wasOn = false;
    powerW.forEach((p, k) => {
      for (const sW of perSecond[k]!) {
        const captured = Math.min(p, Math.max(0, sW));
        if (p > 0) m.trackingErrorKWh += Math.abs(p - clampW(sW)) / 3.6e6;
        m.capturedKWh += captured / 3.6e6;
        m.evKWh += p / 3.6e6;
        surplusWh += Math.max(0, sW) / 3600;
      }
      if (p > 0 && !wasOn) m.starts++;
      wasOn = p > 0;
    });
    m.surplusKWh += surplusWh / 1000;
    m.needKWh += s.needWh / 1000;
    m.boundKWh += Math.min(surplusWh, s.needWh) / 1000;
  }
  m.evGridKWh = m.evKWh - m.capturedKWh;
  return m;
}
