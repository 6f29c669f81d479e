import express, { type Router } from 'express';
import type { ChargingSession } from '../../domain/charging-session.ts';
import type { SessionQuery } from '../../store/session-store.ts';
import { toLocal, utcOffsetMs } from '../../tariffs/local-time.ts';
import { ApiError, parseQuery, sessionsQuery } from '../http-api.ts';

/** What the CSV export needs from the running site. */
export interface SessionsExportService {
  sessions(query: SessionQuery): ChargingSession[];
  /** IANA zone of the site: dates in the file are local times with their offset. */
  timeZone(): string;
  /** Display name of a charger (its id when unknown). */
  chargerName(chargerId: string): string;
  nowMs(): number;
}

export const CSV_COLUMNS = ['date', 'charger', 'card', 'owner', 'kWh', 'cost', 'currency', 'solar share %', 'duration'] as const;

/** The most sessions one export holds (the API's own maximum). */
const MAX_EXPORT = 10_000;

/**
 * `GET /api/v1/sessions.csv`: the sessions of `GET /api/v1/sessions` with the same filters, as an RFC 4180 file
 * (comma separated, CRLF line ends, quoted where needed) for a spreadsheet or an employer's expense claim.
 */
export function sessionsExportRouter(service: SessionsExportService): Router {
  const router = express.Router();
  router.get('/api/v1/sessions.csv', (req, res) => {
    const q = parseQuery(sessionsQuery, req.query);
    if (q.from !== undefined && q.to !== undefined && q.to <= q.from) throw new ApiError(400, 'invalid_query', '"to" must be after "from"');
    const sessions = service.sessions({ chargerId: q.chargerId, idTag: q.idTag, fromMs: q.from, toMs: q.to, limit: q.limit ?? MAX_EXPORT });
    const timeZone = service.timeZone();
    const day = localIsoTime(service.nowMs(), timeZone).slice(0, 10);
    res.set('Content-Type', 'text/csv; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="sunplug-sessions-${day}.csv"`);
    res.set('Cache-Control', 'no-store');
    res.send(sessionsCsv(sessions, { timeZone, chargerName: (id) => service.chargerName(id) }));
  });
  return router;
}

export function sessionsCsv(
  sessions: readonly ChargingSession[],
  context: { timeZone: string; chargerName: (id: string) => string },
): string {
  const lines = [CSV_COLUMNS.map((c) => csvCell(c)).join(',')];
  for (const s of sessions) {
    lines.push([
      csvCell(localIsoTime(s.startedAtMs, context.timeZone)),
      textCell(context.chargerName(s.chargerId)),
      textCell(s.idTag ?? ''),
      textCell(s.owner ?? ''),
      csvCell((s.energyWh / 1000).toFixed(3)),
      csvCell(s.cost === null ? '' : s.cost.toFixed(2)),
      textCell(s.currency ?? ''),
      csvCell(s.solarShare === null ? '' : (s.solarShare * 100).toFixed(1)),
      csvCell(s.durationMs === null ? '' : clockDuration(s.durationMs)),
    ].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * A cell of text that came from outside (a charger's name, a card's id or owner): a spreadsheet would run a cell that
 * starts with = + - @ (or a tab or carriage return before one) as a formula, so such a cell gets a leading apostrophe.
 */
export function textCell(value: string): string {
  return csvCell(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

/** RFC 4180: a field with a comma, quote or line break is quoted, and its quotes doubled. */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** ISO 8601 local time with the zone's offset at that instant, e.g. 2026-06-21T12:00:00+02:00. */
export function localIsoTime(atMs: number, timeZone: string): string {
  const l = toLocal(atMs, timeZone);
  const offsetMin = Math.round(utcOffsetMs(atMs, timeZone) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${l.year}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** h:mm:ss, hours unbounded (a spreadsheet reads it as a duration). */
function clockDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 3600)}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
