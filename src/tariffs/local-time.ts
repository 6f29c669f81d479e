/**
 * Local civil time in the site's IANA time zone, computed with Intl only (no tz database of our own). Tariff windows
 * ("22:00 to 06:00 on weekdays") are written in local time, while every slot Sunplug plans with is in UTC ms, so the
 * conversions both ways live here, including the two daylight-saving edge cases: a local time that does not exist
 * (spring forward) and one that happens twice (fall back).
 */

/** A local date and time of day in some zone. `weekday` is 0 = Sunday .. 6 = Saturday (as Date.getUTCDay). */
export interface LocalDateTime {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
  /** 0..23 */
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. A cache keyed by zone is
// bounded by the number of zones a site uses (one or two), so it does not grow.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone (e.g. "Europe/Berlin", "America/Sao_Paulo"). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local date and time at a UTC instant. */
export function toLocal(atMs: number, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(atMs)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const year = parts.year!;
  const month = parts.month!;
  const day = parts.day!;
  return {
    year, month, day, hour: parts.hour!, minute: parts.minute!, second: parts.second!,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** Offset of local time from UTC at an instant, ms (CEST: +7,200,000; Brasília: -10,800,000). */
export function utcOffsetMs(atMs: number, timeZone: string): number {
  const l = toLocal(atMs, timeZone);
  const wallMs = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return wallMs - Math.floor(atMs / 1000) * 1000;
}

/**
 * The UTC instants at which the local wall clock shows the given time. Usually one; two in the repeated hour when
 * clocks go back (earlier first); none in the skipped hour when clocks go forward.
 */
export function localToUtcCandidatesMs(year: number, month: number, day: number, hour: number, minute: number,
  timeZone: string): number[] {
  const wallMs = Date.UTC(year, month - 1, day, hour, minute);
  // The offsets in force a day before and a day after are the only ones that can apply: zones change offset at
  // most twice a year, months apart.
  const offsets = new Set([utcOffsetMs(wallMs - DAY_MS, timeZone), utcOffsetMs(wallMs + DAY_MS, timeZone)]);
  const found = [...offsets]
    .map((offset) => wallMs - offset)
    .filter((utcMs) => utcOffsetMs(utcMs, timeZone) === wallMs - utcMs);
  return [...new Set(found)].sort((a, b) => a - b);
}

/**
 * The UTC instant of a local time. In the repeated hour `prefer` picks the first or second occurrence; a time in the
 * skipped hour maps to the instant the clocks jumped, the same place a wall clock would be after the change
 * (02:30 on a spring-forward night in Berlin gives 03:00 CEST).
 */
export function localToUtcMs(year: number, month: number, day: number, hour: number, minute: number,
  timeZone: string, prefer: 'earlier' | 'later' = 'earlier'): number {
  const candidates = localToUtcCandidatesMs(year, month, day, hour, minute, timeZone);
  if (candidates.length > 0) return prefer === 'earlier' ? candidates[0]! : candidates[candidates.length - 1]!;
  // In the gap: the offset before the jump gives an instant after it; walk back to the jump itself.
  const wallMs = Date.UTC(year, month - 1, day, hour, minute);
  const before = utcOffsetMs(wallMs - DAY_MS, timeZone);
  let atMs = wallMs - before;
  while (utcOffsetMs(atMs - MINUTE_MS, timeZone) !== before) atMs -= MINUTE_MS;
  return atMs;
}

/** UTC instant of the local midnight that starts the local day containing `atMs`. */
export function startOfLocalDayMs(atMs: number, timeZone: string): number {
  const l = toLocal(atMs, timeZone);
  return localToUtcMs(l.year, l.month, l.day, 0, 0, timeZone);
}

/** The local calendar date `days` after the given one, as year/month/day (calendar arithmetic, not 24 h steps). */
export function addLocalDays(year: number, month: number, day: number, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** `YYYY-MM-DD` of a local date, the form public holidays are configured in. */
export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Instants in [fromMs, toMs) where the zone's UTC offset changes (daylight saving starts or ends), to the minute.
 * Local wall time jumps there, so a tariff window can start or end at such an instant without any configured time
 * pointing at it.
 */
export function offsetChangesMs(fromMs: number, toMs: number, timeZone: string): number[] {
  const changes: number[] = [];
  // Every zone in use changes its offset at most twice a year, on whole quarter hours; hourly probes find each
  // change and bisection pins it to the minute.
  const stepMs = 3_600_000;
  let previous = utcOffsetMs(fromMs, timeZone);
  for (let probe = fromMs + stepMs; probe < toMs + stepMs; probe += stepMs) {
    const at = Math.min(probe, toMs);
    const offset = utcOffsetMs(at, timeZone);
    if (offset !== previous) {
      let low = at - stepMs;
      let high = at;
      while (high - low > MINUTE_MS) {
        const mid = Math.floor((low + high) / 2);
        if (utcOffsetMs(mid, timeZone) === previous) low = mid; else high = mid;
      }
      // Offsets change on a whole minute, and the change lies in (low, high] with high - low <= 1 min.
      high = (Math.floor(low / MINUTE_MS) + 1) * MINUTE_MS;
      if (high > fromMs && high < toMs) changes.push(high);
      previous = offset;
    }
    if (at === toMs) break;
  }
  return changes;
}
