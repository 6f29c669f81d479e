import type { PricePeriod, SiteSnapshot } from '../domain/site-snapshot.ts';
import {
  forecastHomeLoadFromHistory, forecastPvFromHistory, surplusSlots, type PowerSlot, type SiteLocation,
} from '../tariffs/pv-forecast.ts';

/** What plan mode adds to a tick's snapshot: prices to the horizon, feed-in prices and the surplus forecast. */
export type PlanSnapshotInputs = Pick<SiteSnapshot, 'prices' | 'feedInPrices' | 'surplusForecast'>;

export interface PlanInputsOptions {
  /** The site tariff's outlook, when there is a tariff. */
  outlook?: (nowMs: number, horizonMs: number) => { gridSlots: readonly PricePeriod[]; feedInSlots: readonly PricePeriod[] };
  /** The site's hourly history (PV and home load), when a forecast location is configured. */
  history?: (fromMs: number, toMs: number) => readonly { atMs: number; pvW: number | null; homeW: number | null }[];
  location?: SiteLocation;
  timeZone: string;
  peakW?: number;
  lookbackDays?: number;
  /** How far ahead plans look, ms; default 48 h (day-ahead prices reach at most that far). */
  horizonMs?: number;
  /** Prices are fetched again after this, ms; default 1 min. */
  pricesRefreshMs?: number;
  /** The forecast is made again after this, ms; default 15 min (its slot length). */
  forecastRefreshMs?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Builds plan mode's inputs and caches them: the tariff outlook over two days and the surplus forecast (the PV
 * forecast from the site's own history less the home's expected load) are too costly to make every second and change
 * only when new prices or a new quarter hour arrive.
 */
export class PlanInputs {
  private prices: { atMs: number; value: PlanSnapshotInputs } | undefined;
  private forecast: { atMs: number; slots: PowerSlot[] } | undefined;

  constructor(private readonly options: PlanInputsOptions) {}

  at(nowMs: number): PlanSnapshotInputs {
    const { options } = this;
    const horizonMs = options.horizonMs ?? 48 * HOUR_MS;
    if (options.outlook !== undefined &&
      (this.prices === undefined || nowMs - this.prices.atMs >= (options.pricesRefreshMs ?? 60_000) || nowMs < this.prices.atMs)) {
      const outlook = options.outlook(nowMs, horizonMs);
      this.prices = { atMs: nowMs, value: { prices: outlook.gridSlots, feedInPrices: outlook.feedInSlots } };
    }
    const surplus = this.surplusForecast(nowMs, horizonMs);
    return { ...(this.prices?.value ?? {}), ...(surplus !== undefined ? { surplusForecast: surplus } : {}) };
  }

  private surplusForecast(nowMs: number, horizonMs: number): PowerSlot[] | undefined {
    const { history, location } = this.options;
    if (history === undefined || location === undefined) return undefined;
    const cached = this.forecast;
    if (cached !== undefined && nowMs - cached.atMs < (this.options.forecastRefreshMs ?? 900_000) && nowMs >= cached.atMs) {
      return cached.slots.filter((s) => s.endMs > nowMs);
    }
    const lookbackDays = this.options.lookbackDays ?? 14;
    const samples = history(nowMs - lookbackDays * DAY_MS - HOUR_MS, nowMs);
    const pv = forecastPvFromHistory(samples.map((s) => ({ atMs: s.atMs, pvW: s.pvW })), location, nowMs, {
      horizonMs, lookbackDays, ...(this.options.peakW !== undefined ? { peakW: this.options.peakW } : {}),
    }).slots;
    const load = forecastHomeLoadFromHistory(samples.map((s) => ({ atMs: s.atMs, homeW: s.homeW })), nowMs, this.options.timeZone,
      { horizonMs, lookbackDays });
    const slots = surplusSlots(pv, load);
    this.forecast = { atMs: nowMs, slots };
    return slots;
  }
}
