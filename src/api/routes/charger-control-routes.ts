import express, { type Router } from 'express';
import { z } from 'zod';
import { ControlError, type ChargerControl } from '../../chargers/remote-control/charger-control.ts';
import { ApiError } from '../http-api.ts';

/**
 * Remote start/stop, reset, unlock, availability, TriggerMessage and reservations (docs/api.md "Charger actions").
 * The answer carries the charger's own status (Accepted, Rejected, ...); 404 unknown charger, 503 not connected.
 */

const connectorId = z.number().int().min(0).max(100);
const instant = z.union([z.number().int().min(0), z.string().transform((value, ctx) => {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time' });
    return z.NEVER;
  }
  return ms;
})]);

const startBody = z.strictObject({ idTag: z.string().regex(/^[\x21-\x7e]{1,36}$/).optional(), connectorId: connectorId.min(1).optional() });
const resetBody = z.strictObject({ type: z.enum(['soft', 'hard']) });
const unlockBody = z.strictObject({ connectorId: connectorId.min(1) });
const availabilityBody = z.strictObject({ operative: z.boolean(), connectorId: connectorId.optional() });
const triggerBody = z.strictObject({ message: z.string().min(1).max(64), connectorId: connectorId.min(1).optional() });
const reserveBody = z.strictObject({ idTag: z.string().regex(/^[\x21-\x7e]{1,36}$/), expiresAt: instant, connectorId: connectorId.min(1).optional() });

export function parseBody<T extends z.ZodType>(schema: T, body: unknown, expected: string): z.output<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new ApiError(400, 'invalid_body', `expected ${expected}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Runs an action, turning a ControlError into the API's error answer. */
export async function controlled<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ControlError) throw new ApiError(error.status, error.code, error.message);
    throw error;
  }
}

export function chargerControlRoutes(control: ChargerControl): Router {
  const router = express.Router();

  router.post('/api/v1/chargers/:id/start', async (req, res) => {
    const body = parseBody(startBody, req.body, '{"idTag"?, "connectorId"?}');
    res.json(await controlled(() => control.start(req.params.id, body)));
  });

  router.post('/api/v1/chargers/:id/stop', async (req, res) => {
    parseBody(z.strictObject({}), req.body, '{}');
    res.json(await controlled(() => control.stop(req.params.id)));
  });

  router.post('/api/v1/chargers/:id/reset', async (req, res) => {
    const body = parseBody(resetBody, req.body, '{"type": "soft"|"hard"}');
    res.json(await controlled(() => control.reset(req.params.id, body.type)));
  });

  router.post('/api/v1/chargers/:id/unlock', async (req, res) => {
    const body = parseBody(unlockBody, req.body, '{"connectorId": 1..}');
    res.json(await controlled(() => control.unlock(req.params.id, body.connectorId)));
  });

  router.post('/api/v1/chargers/:id/availability', async (req, res) => {
    const body = parseBody(availabilityBody, req.body, '{"operative": true|false, "connectorId"?}');
    res.json(await controlled(() => control.availability(req.params.id, body.operative, body.connectorId)));
  });

  router.post('/api/v1/chargers/:id/trigger', async (req, res) => {
    const body = parseBody(triggerBody, req.body, '{"message": e.g. "StatusNotification", "connectorId"?}');
    res.json(await controlled(() => control.trigger(req.params.id, body.message, body.connectorId)));
  });

  router.get('/api/v1/chargers/:id/reservations', async (req, res) => {
    await controlled(async () => control.online(req.params.id)).catch((error: unknown) => {
      // Listing needs no connection; only an unknown charger is an error.
      if (error instanceof ApiError && error.status === 503) return;
      throw error;
    });
    res.json(control.reservations(req.params.id));
  });

  router.post('/api/v1/chargers/:id/reservations', async (req, res) => {
    const body = parseBody(reserveBody, req.body, '{"idTag", "expiresAt": ISO 8601 time, "connectorId"?}');
    const reservation = await controlled(() => control.reserve(req.params.id, { idTag: body.idTag, expiresAtMs: body.expiresAt, connectorId: body.connectorId }));
    res.status(reservation.answer === 'Accepted' ? 201 : 200).json(reservation);
  });

  router.delete('/api/v1/chargers/:id/reservations/:reservationId', async (req, res) => {
    const reservationId = Number(req.params.reservationId);
    if (!Number.isInteger(reservationId) || reservationId < 1) throw new ApiError(400, 'invalid_id', 'reservationId must be a positive integer');
    res.json(await controlled(() => control.cancelReservation(req.params.id, reservationId)));
  });

  return router;
}
