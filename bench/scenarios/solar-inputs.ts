import type { PhaseValues } from '../../src/domain/meter-reading.ts';
import { holdGaps, type EvSession, type Series } from '../data-loading.ts';
import { DAY_MS, HOUR_MS } from '../time-zones.ts';

/**
 * Inputs of the 1-s solar-tracking scenario, all on one wall-clock axis (local time of a Central European home,
 * benchmark year 2018):
 * - PV: measured 5-min GHI × kWp × derate (a horizontal proxy, SOURCE.md of SURFRAD), linearly interpolated between
 *   slot centres to 1 s, and moved in time so that the site's solar noon (peak of the clear-sky column) falls at
 *   13:30 local, as in southern Germany in summer. Day of year is kept.
 * - Household: the UCI home's 1-min active power, held for the minute, on the same month/day (2007 → 2018) and
 *   local time. Sub-meters go to one phase each (kitchen L1, laundry L2, water heater/AC L3), the rest is split evenly.
 * - EV sessions: Trondheim plug-in/plug-out/kWh on the same month/day and local time (2019 → 2018).
 */
export interface PvModel {
  kWp: number;
  derate: number;
  solarNoonLocalH: number;
}

export const PV_MODEL: PvModel = { kWp: 10, derate: 0.85, solarNoonLocalH: 13.5 };

export interface Irradiance {
  ghi: Series;
  clearSky: Series;
}

/** PV power (W) at a wall-clock time, and the shift (ms) from UTC that was applied. */
export function pvFunction(irr: Irradiance, model: PvModel): { pvW: (wallMs: number) => number; shiftMs: number } {
  holdGaps(irr.ghi);
  const shiftMs = solarNoonShiftMs(irr.clearSky, model.solarNoonLocalH);
  const { startMs, stepMs, values } = irr.ghi;
  const scale = model.kWp * model.derate;
  const pvW = (wallMs: number): number => {
    const x = (wallMs - shiftMs - startMs) / stepMs - 0.5;
    const i = Math.floor(x);
    if (i < 0 || i + 1 >= values.length) return 0;
    const f = x - i;
    return scale * Math.max(0, values[i]! * (1 - f) + values[i + 1]! * f);
  };
  return { pvW, shiftMs };
}

/** Shift that puts the mean daily clear-sky peak at `noonLocalH`, rounded to whole 5 minutes. */
function solarNoonShiftMs(clearSky: Series, noonLocalH: number): number {
  const perDay = Math.round(DAY_MS / clearSky.stepMs);
  let sum = 0;
  let days = 0;
  for (let d = 0; (d + 1) * perDay <= clearSky.values.length; d++) {
    let best = -1;
    let at = 0;
    for (let i = 0; i < perDay; i++) {
      const v = clearSky.values[d * perDay + i]!;
      if (v > best) { best = v; at = i; }
    }
    if (best > 0) { sum += (at + 0.5) * clearSky.stepMs; days++; }
  }
  const noonUtcMs = sum / days + (clearSky.startMs % DAY_MS);
  const step = 300_000;
  return Math.round((noonLocalH * HOUR_MS - noonUtcMs) / step) * step;
}

export interface Household {
  totalW: Series;
  kitchenW: Series;
  laundryW: Series;
  heaterW: Series;
}

/** Household current per phase (A) at a wall-clock time of the benchmark year; gaps hold the last minute. */
export function householdFunction(h: Household, yearOffsetMs: number, voltageV: number): (wallMs: number) => PhaseValues {
  for (const s of [h.totalW, h.kitchenW, h.laundryW, h.heaterW]) holdGaps(s);
  const n = h.totalW.values.length;
  return (wallMs: number) => {
    const i = Math.floor((wallMs - yearOffsetMs - h.totalW.startMs) / 60_000);
    if (i < 0 || i >= n) return [0, 0, 0];
    const total = h.totalW.values[i]!;
    const subs = [h.kitchenW.values[i]!, h.laundryW.values[i]!, h.heaterW.values[i]!];
    const subSum = subs[0]! + subs[1]! + subs[2]!;
    const scale = subSum > total ? total / subSum : 1;
    const rest = (total - subSum * scale) / 3;
    return [(subs[0]! * scale + rest) / voltageV, (subs[1]! * scale + rest) / voltageV, (subs[2]! * scale + rest) / voltageV];
  };
}

/** Shifts a wall-clock time to the same month, day and time in another year. */
export function toYear(wallMs: number, year: number): number {
  const d = new Date(wallMs);
  return Date.UTC(year, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
}

/** Hours a session is plugged in between `fromH` and `toH` local, summed over its days. */
export function daytimeHours(s: { plugInMs: number; plugOutMs: number }, fromH: number, toH: number): number {
  let total = 0;
  for (let day = Math.floor(s.plugInMs / DAY_MS) * DAY_MS; day < s.plugOutMs; day += DAY_MS) {
    const a = Math.max(s.plugInMs, day + fromH * HOUR_MS);
    const b = Math.min(s.plugOutMs, day + toH * HOUR_MS);
    if (b > a) total += (b - a) / HOUR_MS;
  }
  return total;
}

export interface BenchSession {
  label: string;
  plugInMs: number;
  plugOutMs: number;
  needWh: number;
}

/**
 * One household charger fed by real sessions: sessions plugged in on the benchmark days that spend at least
 * `minDaytimeH` hours between 10:00 and 16:00 (a solar benchmark needs the car at home in daylight), taken in
 * plug-in order and skipping any that would overlap the one before (one car at a time).
 */
export function daytimeSessions(all: readonly EvSession[], year: number, fromMs: number, toMs: number, minDaytimeH: number): BenchSession[] {
  const moved = all.map((s) => ({ ...s, plugInMs: toYear(s.plugInMs, year), plugOutMs: toYear(s.plugInMs, year) + (s.plugOutMs - s.plugInMs) }))
    .filter((s) => s.plugInMs >= fromMs && s.plugInMs < toMs && s.energyKWh > 0 && daytimeHours(s, 10, 16) >= minDaytimeH)
    .sort((a, b) => a.plugInMs - b.plugInMs);
  const out: BenchSession[] = [];
  for (const s of moved) {
    const last = out[out.length - 1];
    if (last && s.plugInMs < last.plugOutMs) continue;
    out.push({ label: `${s.user} ${new Date(s.plugInMs).toISOString().slice(5, 16)}`, plugInMs: s.plugInMs,
      plugOutMs: Math.min(s.plugOutMs, toMs), needWh: s.energyKWh * 1000 });
  }
  return out;
}
