import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import type { MeterHealth } from '../../devices/meter-poller.ts';
import { SettingsRejected, type SiteSettings } from '../../store/site-settings.ts';
import { ApiError } from '../http-api.ts';

/**
 * Settings a person changes at run time (docs/api.md "Settings"): site values, the tariff, per-charger values and the
 * meters, plus a Modbus scan to add meters from. Every change is validated against the config schema as a whole
 * before it is saved; a rejected change answers 400 `invalid_settings` with one message per form field and changes
 * nothing.
 */

export interface ScanRequest {
  host: string;
  ports: number[];
  units: number[];
  timeoutMs: number;
}

export interface SettingsRoutesDependencies {
  settings: SiteSettings;
  meterHealth: () => MeterHealth[];
  /** Runs `sunplug scan` and resolves with what its `--json` prints. */
  scan: (request: ScanRequest) => Promise<unknown[]>;
  /** Units tried when a scan names none. */
  defaultScanUnits: readonly number[];
  defaultScanPorts: readonly number[];
}

/** How changes take effect; the settings page says the same. */
export const SETTINGS_APPLY = {
  site: 'now',
  chargers: 'now',
  tariff: 'now: the tariff is rebuilt and its prices reloaded',
  meters: 'now: the meter poller restarts the changed meters',
  note: "The chargers' own fail-safe default (site.safeCurrentA installed on each charger) and the voltage the OCPP server "
    + 'converts with are set when a charger connects: a change reaches a charger at its next reconnection or a restart.',
} as const;

/** A scan asks each unit once; this bounds the worst case (every unit silent) so a request cannot run for minutes. */
export const MAX_SCAN_BUDGET_MS = 60_000;

const scanBody = z.strictObject({
  host: z.string().trim().min(1, 'the device\'s or gateway\'s IP address or name').max(253)
    .regex(/^[A-Za-z0-9.:_-]+$/, 'an IP address or host name'),
  ports: z.array(z.number().int().min(1).max(65535)).min(1).max(4).optional(),
  units: z.array(z.number().int().min(0).max(255)).min(1).max(64).optional(),
  timeoutMs: z.number().int().min(50).max(5000).default(500),
});

export function settingsRoutes(deps: SettingsRoutesDependencies): Router {
  const router = express.Router();
  let scanning = false;

  const answer = (res: Response): void => {
    res.json({ ...deps.settings.view(), applies: SETTINGS_APPLY });
  };

  router.get('/api/v1/settings', (_req, res) => {
    answer(res);
  });

  router.patch('/api/v1/settings/site', async (req, res) => {
    await rejecting(res, () => deps.settings.patchSite(req.body), () => answer(res));
  });

  router.put('/api/v1/settings/tariff', async (req, res) => {
    await rejecting(res, () => deps.settings.putTariff(req.body), () => answer(res));
  });

  router.delete('/api/v1/settings/tariff', async (_req, res) => {
    await rejecting(res, () => deps.settings.resetTariff(), () => answer(res));
  });

  router.patch('/api/v1/settings/chargers/:id', async (req, res) => {
    await rejecting(res, async () => {
      const result = await deps.settings.patchCharger(req.params.id, req.body);
      if (result === undefined) throw new ApiError(404, 'charger_not_found', `no charger with id "${req.params.id}"`);
    }, () => answer(res));
  });

  router.post('/api/v1/settings/meters', async (req, res) => {
    await rejecting(res, () => deps.settings.addMeter(req.body), () => {
      res.status(201);
      answer(res);
    });
  });

  router.delete('/api/v1/settings/meters/:id', async (req, res) => {
    await rejecting(res, async () => {
      const result = await deps.settings.removeMeter(req.params.id);
      if (result === undefined) throw new ApiError(404, 'meter_not_found', `no meter with id "${req.params.id}"`);
    }, () => answer(res));
  });

  // Devices: the effective meters with their health (installer tools show the same).
  router.get('/api/v1/devices', (_req, res) => {
    const health = new Map(deps.meterHealth().map((h) => [h.id, h]));
    const view = deps.settings.view();
    res.json(view.meters.map((meter) => ({ ...meter, health: health.get(meter.id) ?? null })));
  });

  router.post('/api/v1/devices/scan', async (req, res) => {
    const parsed = scanBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new ApiError(400, 'invalid_body', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    }
    const request: ScanRequest = {
      host: parsed.data.host,
      ports: [...new Set(parsed.data.ports ?? deps.defaultScanPorts)],
      units: [...new Set(parsed.data.units ?? deps.defaultScanUnits)],
      timeoutMs: parsed.data.timeoutMs,
    };
    const worstCaseMs = request.ports.length * request.units.length * request.timeoutMs;
    if (worstCaseMs > MAX_SCAN_BUDGET_MS) {
      throw new ApiError(400, 'scan_too_long', `${request.ports.length} port(s) x ${request.units.length} unit(s) x ${request.timeoutMs} ms could take `
        + `${Math.round(worstCaseMs / 1000)} s; at most ${MAX_SCAN_BUDGET_MS / 1000} s: name fewer units or ports, or a shorter timeout`);
    }
    if (scanning) throw new ApiError(409, 'scan_running', 'a scan is already running; try again when it has finished');
    scanning = true;
    try {
      res.json(await deps.scan(request));
    } finally {
      scanning = false;
    }
  });

  return router;
}

/** Runs a change; a SettingsRejected becomes 400 invalid_settings with its fields. */
async function rejecting(res: Response, change: () => Promise<unknown>, done: () => void): Promise<void> {
  try {
    await change();
  } catch (error) {
    if (error instanceof SettingsRejected) {
      res.status(400).json({ error: { code: 'invalid_settings', message: error.message, fields: error.fields } });
      return;
    }
    throw error;
  }
  done();
}
