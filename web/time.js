// Local dates in the site's time zone (not the browser's: a phone abroad still shows the home's days), with Intl only.

const formatters = new Map();
function parts(ms, timeZone) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const out = {};
  for (const p of f.formatToParts(ms)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** Wall-clock fields of an instant in the zone: { year, month (1-12), day, hour, minute, second }. */
export function localParts(ms, timeZone) {
  return parts(ms, timeZone);
}

/** Offset of the zone from UTC at an instant, ms. */
export function offsetMs(ms, timeZone) {
  const p = parts(ms, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant at which the zone's wall clock shows the given time (the later offset in a skipped hour). */
export function localToUtc(year, month, day, hour = 0, minute = 0, timeZone = 'UTC') {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wall - offsetMs(wall, timeZone);
  guess = wall - offsetMs(guess, timeZone);
  return guess;
}

/** Midnight of the local day that contains `ms`. */
export function startOfLocalDay(ms, timeZone) {
  const p = parts(ms, timeZone);
  return localToUtc(p.year, p.month, p.day, 0, 0, timeZone);
}

/** Midnight `days` local days after the local day of `ms` (DST days are 23 or 25 hours long). */
export function addLocalDays(ms, days, timeZone) {
  const p = parts(ms, timeZone);
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return localToUtc(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0, timeZone);
}

/** YYYY-MM-DD of the local day of `ms` (the value of an <input type="date">). */
export function isoLocalDate(ms, timeZone) {
  const p = parts(ms, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** YYYY-MM-DDTHH:MM of `ms` in the zone (the value of an <input type="datetime-local">). */
export function isoLocalDateTime(ms, timeZone) {
  const p = parts(ms, timeZone);
  return `${isoLocalDate(ms, timeZone)}T${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

/** Parses YYYY-MM-DD or YYYY-MM-DDTHH:MM as a wall time in the zone; undefined when malformed. */
export function parseLocal(text, timeZone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(text ?? '');
  if (!m) return undefined;
  return localToUtc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), timeZone);
}
