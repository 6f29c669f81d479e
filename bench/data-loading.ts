import { join } from 'node:path';
import { column, parseNumber, readTable } from './csv-file.ts';
import { HOUR_MS, parseDottedWallMs, parseIsoMs, wallToUtcMs } from './time-zones.ts';

/**
 * Parsers for the benchmark's data files. Each reads the ORIGINAL format of its data set (see the SOURCE.md next to
 * it), so `--data DIR` can point at full copies; bench/data holds row and column subsets in the same formats.
 */
export const DATA_FILES = {
  ghiCloudy: 'surfrad-ghi-5min/cloudy',
  ghiClear: 'surfrad-ghi-5min/clear',
  household: 'uci-household-1min/household',
  home: 'cossmic-residential4-60min/home',
  sessions: 'ev-sessions-trondheim/sessions',
  prices: 'smard-day-ahead/prices',
} as const;

export type DataFile = keyof typeof DATA_FILES;

export function dataPath(dir: string, file: DataFile): string {
  return join(dir, DATA_FILES[file]);
}

/** Regular series: value i covers [startMs + i·stepMs, startMs + (i+1)·stepMs). NaN marks a gap. */
export interface Series {
  startMs: number;
  stepMs: number;
  values: Float64Array;
}

/** SURFRAD 5-min GHI (time_utc, ghi_wm2, clearsky_ghi_wm2), W/m². Times are UTC ms. */
export function loadIrradiance(basePath: string): { ghi: Series; clearSky: Series } {
  const t = readTable(basePath, ',');
  const ti = column(t, (h) => h === 'time_utc', 'time_utc');
  const gi = column(t, (h) => h === 'ghi_wm2', 'ghi_wm2');
  const ci = column(t, (h) => h === 'clearsky_ghi_wm2', 'clearsky_ghi_wm2');
  return {
    ghi: regular(t.rows.map((r) => [parseIsoMs(r[ti]!), parseNumber(r[gi])]), 300_000),
    clearSky: regular(t.rows.map((r) => [parseIsoMs(r[ti]!), parseNumber(r[ci])]), 300_000),
  };
}

/**
 * UCI household power, 1-min (time_local, p_active_w, sub1..sub3 in Wh per minute). Times are wall-clock ms
 * (France). Sub-meters are returned as average W.
 */
export function loadHousehold(basePath: string): { totalW: Series; kitchenW: Series; laundryW: Series; heaterW: Series } {
  const t = readTable(basePath, ',');
  const ti = column(t, (h) => h === 'time_local', 'time_local');
  const times = t.rows.map((r) => parseIsoMs(r[ti]!));
  const col = (name: string, scale: number): Series => {
    const i = column(t, (h) => h === name, name);
    return regular(t.rows.map((r, k) => [times[k]!, parseNumber(r[i]) * scale]), 60_000);
  };
  return {
    totalW: col('p_active_w', 1),
    kitchenW: col('sub1_kitchen_wh', 60),
    laundryW: col('sub2_laundry_wh', 60),
    heaterW: col('sub3_waterheater_ac_wh', 60),
  };
}

export interface HomeHourly {
  /** Hour averages, W, over [startMs + i h, startMs + (i+1) h), UTC; NaN where a meter reading is missing. */
  pvW: Series;
  importW: Series;
  exportW: Series;
  evW: Series;
}

/** OPSD household data, cumulative kWh meters (columns ending in _pv, _grid_import, _grid_export, _ev). */
export function loadHomeHourly(basePath: string): HomeHourly {
  const t = readTable(basePath, ',');
  const ti = column(t, (h) => h === 'utc_timestamp', 'utc_timestamp');
  const times = t.rows.map((r) => parseIsoMs(r[ti]!));
  const hourly = (suffix: string): Series => {
    const i = column(t, (h) => h.endsWith(suffix), suffix);
    const cumulative = t.rows.map((r) => parseNumber(r[i]));
    const pairs: [number, number][] = [];
    for (let k = 0; k + 1 < cumulative.length; k++) {
      const sameStep = times[k + 1]! - times[k]! === HOUR_MS;
      pairs.push([times[k]!, sameStep ? (cumulative[k + 1]! - cumulative[k]!) * 1000 : Number.NaN]);
    }
    return regular(pairs, HOUR_MS);
  };
  return { pvW: hourly('_pv'), importW: hourly('_grid_import'), exportW: hourly('_grid_export'), evW: hourly('_ev') };
}

export interface EvSession {
  user: string;
  userType: string;
  /** Wall-clock ms (local time of the data set). */
  plugInMs: number;
  plugOutMs: number;
  energyKWh: number;
}

/** Trondheim EV charging reports (`;`-separated, decimal comma, dd.mm.yyyy HH:MM local). */
export function loadSessions(basePath: string): EvSession[] {
  const t = readTable(basePath, ';');
  const ui = column(t, (h) => h === 'User_ID', 'User_ID');
  const ty = column(t, (h) => h === 'User_type', 'User_type');
  const si = column(t, (h) => h === 'Start_plugin', 'Start_plugin');
  const ei = column(t, (h) => h === 'End_plugout', 'End_plugout');
  const ki = column(t, (h) => h === 'El_kWh', 'El_kWh');
  return t.rows.map((r) => ({
    user: r[ui]!, userType: r[ty]!, plugInMs: parseDottedWallMs(r[si]!), plugOutMs: parseDottedWallMs(r[ei]!), energyKWh: parseNumber(r[ki]),
  })).filter((s) => Number.isFinite(s.plugInMs) && Number.isFinite(s.plugOutMs) && s.plugOutMs > s.plugInMs && s.energyKWh >= 0);
}

/**
 * SMARD hourly day-ahead prices, DE/LU column, €/MWh. Rows are consecutive hours; the first row's local time
 * (Europe/Berlin) fixes the UTC start, so the repeated and missing hours of the clock changes need no guessing.
 */
export function loadPrices(basePath: string): Series {
  const t = readTable(basePath, ';');
  const fi = column(t, (h) => h.startsWith('Datum von'), 'Datum von');
  const pi = column(t, (h) => h.startsWith('Deutschland/Luxemburg'), 'Deutschland/Luxemburg');
  const first = t.rows[0];
  if (!first) throw new Error(`no price rows in ${basePath}`);
  const startMs = wallToUtcMs(parseDottedWallMs(first[fi]!), 'Europe/Berlin');
  return { startMs, stepMs: HOUR_MS, values: Float64Array.from(t.rows.map((r) => parseNumber(r[pi]))) };
}

function regular(pairs: readonly (readonly [number, number])[], stepMs: number): Series {
  const valid = pairs.filter(([t]) => Number.isFinite(t));
  if (valid.length === 0) throw new Error('no timestamped rows');
  const startMs = valid.reduce((m, [t]) => Math.min(m, t), Number.POSITIVE_INFINITY);
  const endMs = valid.reduce((m, [t]) => Math.max(m, t), Number.NEGATIVE_INFINITY);
  const values = new Float64Array(Math.round((endMs - startMs) / stepMs) + 1).fill(Number.NaN);
  for (const [t, v] of valid) values[Math.round((t - startMs) / stepMs)] = v;
  return { startMs, stepMs, values };
}

/** Value at a time (the step containing it), NaN outside the series. */
export function valueAt(series: Series, atMs: number): number {
  const i = Math.floor((atMs - series.startMs) / series.stepMs);
  return i >= 0 && i < series.values.length ? series.values[i]! : Number.NaN;
}

/** Fills gaps with the last value before them (or the first after, at the start). Returns how many were filled. */
export function holdGaps(series: Series): number {
  const v = series.values;
  let filled = 0;
  let last = Number.NaN;
  for (let i = 0; i < v.length; i++) {
    if (Number.isNaN(v[i]!)) { v[i] = last; filled++; } else last = v[i]!;
  }
  const firstValid = v.findIndex((x) => !Number.isNaN(x));
  for (let i = 0; i < firstValid; i++) v[i] = v[firstValid]!;
  return filled;
}
