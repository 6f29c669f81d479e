import express, { type Router } from 'express';
import { z } from 'zod';
import { priceAt, type PriceSlot } from '../../tariffs/price-slot.ts';
import type { PriceStatus } from '../../tariffs/price-source.ts';
import type { TariffOutlook } from '../../tariffs/site-tariff.ts';
import { parseQuery } from '../http-api.ts';

/** What the tariff route reads from the running site. */
export interface TariffRouteService {
  /** False when the installation has no tariff: the answer then has no prices and status unavailable. */
  configured(): boolean;
  outlook(nowMs: number, horizonMs: number): TariffOutlook;
  nowMs(): number;
}

const HOUR_MS = 3_600_000;
const tariffQuery = z.strictObject({
  hours: z.coerce.number().int().min(1).max(168).default(24),
});

export interface PriceSeries extends PriceStatus {
  priceNowPerKWh: number | null;
  slots: PriceSlot[];
}

export interface TariffAnswer {
  atMs: number;
  configured: boolean;
  currency: string | null;
  hours: number;
  grid: PriceSeries;
  feedIn: PriceSeries;
}

/** `GET /api/v1/tariff?hours=N`: grid and feed-in prices from now over the next N hours (1..168, default 24). */
export function tariffRouter(service: TariffRouteService): Router {
  const router = express.Router();
  router.get('/api/v1/tariff', (req, res) => {
    const { hours } = parseQuery(tariffQuery, req.query);
    const nowMs = service.nowMs();
    const outlook = service.outlook(nowMs, hours * HOUR_MS);
    const series = (slots: PriceSlot[], status: PriceStatus): PriceSeries => ({
      ...status, priceNowPerKWh: priceAt(slots, nowMs) ?? null, slots,
    });
    const answer: TariffAnswer = {
      atMs: nowMs, configured: service.configured(), currency: outlook.currency ?? null, hours,
      grid: series(outlook.gridSlots, outlook.grid),
      feedIn: series(outlook.feedInSlots, outlook.feedIn),
    };
    res.json(answer);
  });
  return router;
}
