/**
 * Wall-clock helpers. The benchmark keeps local times as "wall-clock ms": Date.UTC() of the local fields, so that
 * data from homes in different time zones line up by local time of day. Conversion to real UTC uses the IANA zone.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Offset of the zone from UTC at a UTC instant, ms (CEST: +7,200,000). */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** UTC instant of a wall-clock time in a zone (in the autumn repeated hour, the first of the two). */
export function wallToUtcMs(wallMs: number, timeZone: string): number {
  const first = wallMs - zoneOffsetMs(wallMs, timeZone);
  return wallMs - zoneOffsetMs(first, timeZone);
}

export function utcToWallMs(utcMs: number, timeZone: string): number {
  return utcMs + zoneOffsetMs(utcMs, timeZone);
}

/** Parses `dd.mm.yyyy HH:MM` (SMARD, Trondheim) into wall-clock ms, or NaN. */
export function parseDottedWallMs(text: string): number {
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2})/.exec(text.trim());
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]), Number(m[4]), Number(m[5]));
}

/** Parses an ISO time without zone (`2007-06-01T12:00:00`) as wall-clock ms; with `Z` it is UTC ms. */
export function parseIsoMs(text: string): number {
  const t = text.trim();
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`);
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
