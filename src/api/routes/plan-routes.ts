import express, { type Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../http-api.ts';

/** A charging plan as stored: energy to add or a target state of charge, by a departure time. */
export interface StoredPlan {
  departureAtMs: number;
  energyWh?: number;
  socPercent?: number;
  setAtMs: number;
}

/** What the plan routes need from the running site. */
export interface PlanRouteService {
  nowMs(): number;
  hasCharger(chargerId: string): boolean;
  /** Stores the plan (or clears it with undefined) and lets the control loop act on it. */
  setPlan(chargerId: string, plan: StoredPlan | undefined): Promise<void>;
  plan(chargerId: string): StoredPlan | undefined;
}

/** Longest plan horizon accepted: a week (prices and forecasts reach two days; the rest waits for them). */
const MAX_AHEAD_MS = 7 * 24 * 3_600_000;

const planBody = z.strictObject({
  departure: z.iso.datetime({ offset: true, message: 'departure must be an ISO 8601 time with a zone, e.g. 2026-06-22T07:00:00+02:00' }),
  energyWh: z.number().positive('energyWh must be > 0').max(200_000, 'energyWh must be at most 200000').optional(),
  socPercent: z.number().gt(0, 'socPercent must be > 0').max(100, 'socPercent must be at most 100').optional(),
});

/**
 * `PUT /api/v1/chargers/:id/plan {departure, energyWh? | socPercent?}` sets the plan plan mode works to;
 * `DELETE` clears it (a car's own needs from OCPP 2.0.1 then apply); `GET` shows the stored plan.
 * The plan only steers the charger while its mode is `plan`.
 */
export function planRouter(service: PlanRouteService): Router {
  const router = express.Router();
  const known = (id: string): void => {
    if (!service.hasCharger(id)) throw new ApiError(404, 'charger_not_found', `no charger with id "${id}"`);
  };

  router.get('/api/v1/chargers/:id/plan', (req, res) => {
    known(req.params.id);
    res.json(service.plan(req.params.id) ?? null);
  });

  router.put('/api/v1/chargers/:id/plan', async (req, res) => {
    known(req.params.id);
    const parsed = planBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new ApiError(400, 'invalid_body', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') +
        ' (expected {"departure": ISO time, "energyWh": number} or {"departure": ISO time, "socPercent": number})');
    }
    const { departure, energyWh, socPercent } = parsed.data;
    if ((energyWh === undefined) === (socPercent === undefined)) {
      throw new ApiError(400, 'invalid_body', 'give exactly one target: energyWh (energy to add) or socPercent (target state of charge)');
    }
    const nowMs = service.nowMs();
    const departureAtMs = Date.parse(departure);
    if (departureAtMs <= nowMs) throw new ApiError(400, 'departure_in_past', `departure ${departure} is not in the future`);
    if (departureAtMs - nowMs > MAX_AHEAD_MS) throw new ApiError(400, 'departure_too_far', `departure ${departure} is more than 7 days ahead`);
    const plan: StoredPlan = { departureAtMs, setAtMs: nowMs, ...(energyWh !== undefined ? { energyWh } : { socPercent: socPercent! }) };
    await service.setPlan(req.params.id, plan);
    res.json(plan);
  });

  router.delete('/api/v1/chargers/:id/plan', async (req, res) => {
    known(req.params.id);
    await service.setPlan(req.params.id, undefined);
    res.status(204).end();
  });
  return router;
}
