import type { EvSession, HomeHourly, Series } from '../data-loading.ts';
import { HOUR_MS, wallToUtcMs } from '../time-zones.ts';
import { daytimeHours, toYear } from './solar-inputs.ts';

/**
 * The hourly whole-home inputs (CoSSMic residential 4, Konstanz) on its own UTC hour axis:
 * non-EV household load L = import + PV − export − EV (the home's own EV is replaced by the simulated one).
 * An hour with a missing or implausible meter step (OPSD gap, or PV above 15 kW) takes the same hour one week
 * earlier (later at the start of the file); how many were filled is reported.
 */
export interface HomeYear {
  startMs: number;
  hours: number;
  loadW: Float64Array;
  pvW: Float64Array;
  /** The home's own measured EV (for the as-measured reference) and meters. */
  measuredEvW: Float64Array;
  measuredImportW: Float64Array;
  measuredExportW: Float64Array;
  filledHours: number;
}

const WEEK_H = 168;

export function homeYear(full: HomeHourly): HomeYear {
  const h = firstCalendarYear(full);
  const n = h.pvW.values.length;
  const valid = (i: number): boolean => {
    const pv = h.pvW.values[i]!;
    const imp = h.importW.values[i]!;
    const exp = h.exportW.values[i]!;
    const ev = h.evW.values[i]!;
    const load = imp + pv - exp - ev;
    return [pv, imp, exp, ev].every((x) => Number.isFinite(x) && x >= 0) && pv <= 15_000 && load >= -50;
  };
  const source = Array.from({ length: n }, (_, i) => i);
  let filledHours = 0;
  for (let i = 0; i < n; i++) {
    if (valid(i)) continue;
    filledHours++;
    let j = i - WEEK_H;
    while (j >= 0 && !valid(j)) j -= WEEK_H;
    if (j < 0) { j = i + WEEK_H; while (j < n && !valid(j)) j += WEEK_H; }
    source[i] = j < n ? j : i;
  }
  const pick = (s: Series, i: number): number => (Number.isFinite(s.values[source[i]!]!) ? s.values[source[i]!]! : 0);
  const pvW = Float64Array.from({ length: n }, (_, i) => pick(h.pvW, i));
  const measuredImportW = Float64Array.from({ length: n }, (_, i) => pick(h.importW, i));
  const measuredExportW = Float64Array.from({ length: n }, (_, i) => pick(h.exportW, i));
  const measuredEvW = Float64Array.from({ length: n }, (_, i) => pick(h.evW, i));
  const loadW = Float64Array.from({ length: n }, (_, i) => Math.max(0, measuredImportW[i]! + pvW[i]! - measuredExportW[i]! - measuredEvW[i]!));
  return { startMs: h.pvW.startMs, hours: n, loadW, pvW, measuredEvW, measuredImportW, measuredExportW, filledHours };
}

/** The first whole calendar year (UTC) in the file, or all of it when there is none. */
function firstCalendarYear(h: HomeHourly): HomeHourly {
  const start = h.pvW.startMs;
  const n = h.pvW.values.length;
  const firstYear = new Date(start).getUTCFullYear() + (start === Date.UTC(new Date(start).getUTCFullYear(), 0, 1) ? 0 : 1);
  const from = Math.round((Date.UTC(firstYear, 0, 1) - start) / HOUR_MS);
  const to = Math.round((Date.UTC(firstYear + 1, 0, 1) - start) / HOUR_MS);
  if (to > n) return h;
  const cut = (s: Series): Series => ({ startMs: s.startMs + from * HOUR_MS, stepMs: s.stepMs, values: s.values.slice(from, to) });
  return { pvW: cut(h.pvW), importW: cut(h.importW), exportW: cut(h.exportW), evW: cut(h.evW) };
}

export interface YearSession {
  /** UTC ms on the home's axis. */
  plugInMs: number;
  plugOutMs: number;
  needWh: number;
}

/**
 * One car's year: the Trondheim user (Private) with the most sessions spending at least 2 h between 10:00 and 16:00
 * local, all of that user's sessions, moved to the same month/day/local time of the home's year (Europe/Berlin, the
 * same clock as Trondheim), plug-out capped at the end of the home data.
 */
export function yearSessions(all: readonly EvSession[], home: HomeYear): { user: string; sessions: YearSession[] } {
  const counts = new Map<string, number>();
  for (const s of all) if (s.userType === 'Private' && daytimeHours(s, 10, 16) >= 2) counts.set(s.user, (counts.get(s.user) ?? 0) + 1);
  const user = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  if (user === undefined) throw new Error('no private user with daytime sessions');
  const year = new Date(home.startMs + 12 * HOUR_MS).getUTCFullYear();
  const endMs = home.startMs + home.hours * HOUR_MS;
  const sessions: YearSession[] = [];
  for (const s of all.filter((x) => x.user === user).sort((a, b) => a.plugInMs - b.plugInMs)) {
    const plugInMs = wallToUtcMs(toYear(s.plugInMs, year), 'Europe/Berlin');
    const plugOutMs = Math.min(endMs, plugInMs + (s.plugOutMs - s.plugInMs));
    const last = sessions[sessions.length - 1];
    if (plugInMs < home.startMs || plugOutMs <= plugInMs || (last && plugInMs < last.plugOutMs) || s.energyKWh <= 0) continue;
    sessions.push({ plugInMs, plugOutMs, needWh: s.energyKWh * 1000 });
  }
  return { user, sessions };
}

/** Hours a session covers, with the fraction of each hour it is plugged in. */
export function sessionHours(s: YearSession, home: HomeYear): { t: number; avail: number }[] {
  const out: { t: number; avail: number }[] = [];
  const first = Math.floor((s.plugInMs - home.startMs) / HOUR_MS);
  const last = Math.min(home.hours - 1, Math.floor((s.plugOutMs - 1 - home.startMs) / HOUR_MS));
  for (let t = first; t <= last; t++) {
    const from = Math.max(s.plugInMs, home.startMs + t * HOUR_MS);
    const to = Math.min(s.plugOutMs, home.startMs + (t + 1) * HOUR_MS);
    if (to > from) out.push({ t, avail: (to - from) / HOUR_MS });
  }
  return out;
}

/**
 * Day-ahead prices on the home's hour axis: the price year's hour of year (UTC) for the home year's hour of year,
 * so 2024 prices fall on the same calendar hours of 2016 (both leap years). Missing hours hold the previous price.
 */
export function pricesOnHomeAxis(prices: Series, home: HomeYear): Float64Array {
  const priceYearStart = Date.UTC(new Date(prices.startMs + 12 * HOUR_MS).getUTCFullYear(), 0, 1);
  const offset = Math.round((priceYearStart - prices.startMs) / HOUR_MS);
  const out = new Float64Array(home.hours);
  let last = Number.NaN;
  for (let t = 0; t < home.hours; t++) {
    const v = prices.values[t + offset];
    if (v !== undefined && Number.isFinite(v)) last = v;
    out[t] = last;
  }
  const first = out.findIndex((v) => Number.isFinite(v));
  for (let t = 0; t < first; t++) out[t] = out[first]!;
  return out;
}
