import express, { type Router } from 'express';
import { z } from 'zod';
import type { ChargerInventory } from '../../chargers/charger-inventory.ts';
import type { SecurityEvent } from '../../chargers/security/security-events.ts';
import { ApiError, parseQuery } from '../http-api.ts';

/** What the charger security and inventory routes read. */
export interface ChargerSecurityService {
  /** Configured, approved or pending. */
  isKnown(chargerId: string): boolean;
  events(chargerId: string, limit: number): SecurityEvent[];
  inventory(chargerId: string): ChargerInventory;
}

const eventsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/**
 * `GET /api/v1/chargers/:id/events?limit=N`: the charger's security events (SecurityEventNotification), newest first.
 * `GET /api/v1/chargers/:id/inventory`: its device inventory (2.0.1 GetBaseReport) or its BootNotification (1.6).
 */
export function chargerSecurityRouter(service: ChargerSecurityService): Router {
  const router = express.Router();
  const known = (id: string): string => {
    if (!service.isKnown(id)) throw new ApiError(404, 'not_found', `no configured, approved or pending charger "${id}"`);
    return id;
  };
  router.get('/api/v1/chargers/:id/events', (req, res) => {
    const { limit } = parseQuery(eventsQuery, req.query);
    const id = known(req.params.id);
    res.json({ chargerId: id, events: service.events(id, limit) });
  });
  router.get('/api/v1/chargers/:id/inventory', (req, res) => {
    const id = known(req.params.id);
    res.json({ chargerId: id, ...service.inventory(id) });
  });
  return router;
}
