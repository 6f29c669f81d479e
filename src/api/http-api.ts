import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ChargerAdminService } from '../chargers/admission/charger-directory.ts';
import { CHARGE_MODES } from '../domain/charger-state.ts';
import type { Logger } from '../platform/logger.ts';
import { filterOcppLog, isFiltering } from './ocpp-log-filter.ts';
import type { SiteService } from './site-service.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));
/** The dashboard's chart library, served from the installed package (no CDN, no copy in web/). */
const UPLOT_ROOT = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

const modeBody = z.strictObject({ mode: z.enum(CHARGE_MODES) });
/** A time as ISO 8601 or milliseconds since the epoch. */
const instant = z.string().transform((text, ctx) => {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time or milliseconds since the epoch' });
    return z.NEVER;
  }
  return ms;
});
/** The filters of GET /api/v1/sessions, shared by its CSV export. */
export const sessionsQuery = z.strictObject({
  chargerId: z.string().max(64).optional(),
  idTag: z.string().max(64).optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(10000).optional(),
});
const historyQuery = z.strictObject({
  from: instant,
  to: instant,
  resolution: z.enum(['minute', 'hour', 'day']).default('minute'),
});
const approveBody = z.strictObject({ resetPassword: z.boolean().optional() });
const ocppLogQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  action: z.string().min(1).max(64).optional(),
  direction: z.enum(['in', 'out']).optional(),
  text: z.string().min(1).max(200).optional(),
});
const decisionsQuery = z.strictObject({
  chargerId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    throw new ApiError(400, 'invalid_query', parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** An API error answered as `{ error: { code, message } }`; codes are stable, messages are for people. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** What other parts add to the HTTP app without editing this file. */
export interface HttpExtensions {
  /** Runs first, after body parsing: authentication routes and the middleware guarding the rest. */
  guard?: (app: express.Express) => void;
  /** Further API routers, mounted after the core routes (their paths start with /api/v1/...) and before the API's 404. */
  routes?: Router[];
}

/**
 * HTTP API v1 (documented in docs/api.md) and the dashboard's static files. Every input is checked with zod and a
 * wrong call gets a 4xx with a message saying what was expected; nothing is changed by a rejected call.
 */
export function createHttpApp(service: SiteService, logger: Logger, chargers?: ChargerAdminService, extensions: HttpExtensions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use('/api', express.json({ limit: '64kb' }));
  extensions.guard?.(app);

  // Charger admission for installers (docs/api.md, docs/chargers.md): listing, approval, OCPP message log.
  const admin = (): ChargerAdminService => {
    if (chargers === undefined) throw new ApiError(404, 'not_found', 'charger administration is not available here');
    return chargers;
  };
  app.get('/api/v1/chargers', (_req, res) => {
    res.json(admin().list());
  });

  app.post('/api/v1/chargers/:id/approve', async (req, res) => {
    const body = approveBody.safeParse(req.body ?? {});
    if (!body.success) throw new ApiError(400, 'invalid_body', `expected {} or {"resetPassword": true}: ${body.error.issues[0]?.message}`);
    const outcome = await admin().approve(req.params.id, body.data);
    if (!outcome.ok) {
      const status = outcome.code === 'not_found' ? 404 : outcome.code === 'invalid_id' ? 400 : 409;
      throw new ApiError(status, outcome.code, outcome.message);
    }
    // The answer may carry a password shown this once: no cache may keep it.
    res.set('Cache-Control', 'no-store');
    res.json(outcome);
  });

  app.get('/api/v1/chargers/:id/ocpp-log', (req, res) => {
    const query = parseQuery(ocppLogQuery, req.query);
    const filtering = isFiltering(query);
    const entries = admin().ocppLog(req.params.id, filtering ? undefined : query.limit);
    if (entries === undefined) throw new ApiError(404, 'charger_not_found', `no charger with id "${req.params.id}"`);
    res.json(filtering ? filterOcppLog(entries, query).slice(0, query.limit ?? 100) : entries);
  });

  app.get('/api/v1/state', (_req, res) => {
    res.json(service.state());
  });

  app.get('/api/v1/chargers/:id', (req, res) => {
    const charger = service.state().chargers.find((c) => c.id === req.params.id);
    if (!charger) throw new ApiError(404, 'charger_not_found', `no charger with id "${req.params.id}"`);
    res.json(charger);
  });

  app.put('/api/v1/chargers/:id/mode', async (req, res) => {
    const body = modeBody.safeParse(req.body);
    if (!body.success) {
      throw new ApiError(400, 'invalid_body', `expected {"mode": one of ${CHARGE_MODES.join(', ')}}: ${body.error.issues[0]?.message}`);
    }
    const found = await service.setChargerMode(req.params.id, body.data.mode);
    if (!found) throw new ApiError(404, 'charger_not_found', `no charger with id "${req.params.id}"`);
    res.json(service.state().chargers.find((c) => c.id === req.params.id));
  });

  app.get('/api/v1/decisions', (req, res) => {
    res.json(service.decisions(parseQuery(decisionsQuery, req.query)));
  });

  app.get('/api/v1/sessions', (req, res) => {
    const q = parseQuery(sessionsQuery, req.query);
    res.json(service.sessions({ chargerId: q.chargerId, idTag: q.idTag, fromMs: q.from, toMs: q.to, limit: q.limit }));
  });

  app.get('/api/v1/history', (req, res) => {
    const q = parseQuery(historyQuery, req.query);
    if (q.to <= q.from) throw new ApiError(400, 'invalid_query', '"to" must be after "from"');
    res.json(service.history(q.from, q.to, q.resolution));
  });

  for (const router of extensions.routes ?? []) app.use(router);

  app.use('/api', (req) => {
    throw new ApiError(404, 'not_found', `no API route ${req.method} ${req.originalUrl}`);
  });

  app.use('/vendor/uplot', express.static(UPLOT_ROOT, { index: false, maxAge: '1d' }));
  app.use(express.static(WEB_ROOT, { index: 'index.html', maxAge: 0 }));

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ApiError) {
      res.status(error.status).json({ error: { code: error.code, message: error.message } });
      return;
    }
    const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
    if (status >= 400 && status < 500) {
      res.status(status).json({ error: { code: 'bad_request', message: (error as Error).message } });
      return;
    }
    logger.error({ err: error, url: req.originalUrl }, 'HTTP request failed');
    res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
  });
  return app;
}
