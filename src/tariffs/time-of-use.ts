import {
  addLocalDays, isoDate, localToUtcCandidatesMs, offsetChangesMs, toLocal, type LocalDateTime,
} from './local-time.ts';
import { mergeEqualNeighbours, type PriceSlot } from './price-slot.ts';
import type { DaySelector, TimeOfUsePrices, TimeOfUseWindow } from './tariff-config.ts';

/**
 * Time-of-use prices: windows in local time by day of week, public holiday and month, over a base price. Pure.
 *
 * Rules (docs/tariffs.md):
 * - windows are checked in order and the first one covering a moment sets its price; no window: the base price;
 * - days and months select local days, and a window's hours apply on each selected day: "22:00-07:00 on weekdays"
 *   is 00:00-07:00 and 22:00-24:00 of Monday to Friday (so Monday 00:00-07:00 is in, Saturday 00:00-07:00 is not:
 *   a weekend rate is its own window);
 * - on a configured holiday only windows for "holidays" or "all" apply (Brazil's Tarifa Branca charges the off-peak
 *   rate all day on national holidays, like a weekend);
 * - times are local wall-clock times, so a 22:00-06:00 window lasts 7 h on the night clocks go forward and 9 h on the
 *   night they go back.
 */

const WEEKDAY_NAMES: readonly DaySelector[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h! * 60 + m!;
}

function dayMatches(days: readonly DaySelector[], weekday: number, holiday: boolean): boolean {
  if (days.includes('all')) return true;
  if (holiday) return days.includes('holidays');
  if (days.includes(WEEKDAY_NAMES[weekday]!)) return true;
  const weekend = weekday === 0 || weekday === 6;
  return weekend ? days.includes('weekends') : days.includes('weekdays');
}

/** True when the window is active at the given local time: its hours on that local day, that day selected. */
function windowCovers(window: TimeOfUseWindow, local: LocalDateTime, holidays: ReadonlySet<string>): boolean {
  const minute = local.hour * 60 + local.minute;
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  const inHours = from < to ? minute >= from && minute < to : minute >= from || minute < to;
  return inHours && (window.months === undefined || window.months.includes(local.month)) &&
    dayMatches(window.days, local.weekday, holidays.has(isoDate(local.year, local.month, local.day)));
}

/** The window in force at an instant, or undefined when the base price applies. */
export function timeOfUseWindowAt(prices: TimeOfUsePrices, atMs: number, timeZone: string): TimeOfUseWindow | undefined {
  const local = toLocal(atMs, timeZone);
  const holidays = new Set(prices.holidays);
  return prices.windows.find((w) => windowCovers(w, local, holidays));
}

export function timeOfUsePriceAt(prices: TimeOfUsePrices, atMs: number, timeZone: string): number {
  return timeOfUseWindowAt(prices, atMs, timeZone)?.pricePerKWh ?? prices.basePricePerKWh;
}

/**
 * Slots over [fromMs, toMs), one per stretch of constant price (neighbours with the same price are joined). Exact at
 * every window edge, local midnight (where the day type changes) and daylight-saving change, whatever the minute.
 */
export function timeOfUseSlots(prices: TimeOfUsePrices, fromMs: number, toMs: number, timeZone: string): PriceSlot[] {
  if (!(toMs > fromMs)) return [];
  const edges = new Set<number>([fromMs, toMs, ...offsetChangesMs(fromMs, toMs, timeZone)]);
  const edgeMinutes = new Set<number>([0]);
  for (const w of prices.windows) {
    edgeMinutes.add(minutesOf(w.from) % 1440);
    edgeMinutes.add(minutesOf(w.to) % 1440);
  }
  // Local days from the one before the window to the one after it, so that edges near the ends are not missed.
  const first = toLocal(fromMs, timeZone);
  let day = addLocalDays(first.year, first.month, first.day, -1);
  const last = toLocal(toMs, timeZone);
  const after = addLocalDays(last.year, last.month, last.day, 1);
  const lastKey = isoDate(after.year, after.month, after.day);
  for (;;) {
    for (const minute of edgeMinutes) {
      for (const atMs of localToUtcCandidatesMs(day.year, day.month, day.day, Math.floor(minute / 60), minute % 60, timeZone)) {
        if (atMs > fromMs && atMs < toMs) edges.add(atMs);
      }
    }
    if (isoDate(day.year, day.month, day.day) === lastKey) break;
    day = addLocalDays(day.year, day.month, day.day, 1);
  }
  const sorted = [...edges].sort((a, b) => a - b);
  const slots: PriceSlot[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const startMs = sorted[i]!;
    slots.push({ startMs, endMs: sorted[i + 1]!, pricePerKWh: timeOfUsePriceAt(prices, startMs, timeZone) });
  }
  return mergeEqualNeighbours(slots);
}
