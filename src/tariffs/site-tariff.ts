import { isAbsolute, join } from 'node:path';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { DynamicPriceSource, type PriceLoader } from './dynamic-price-source.ts';
import { jsonFilePriceCache } from './price-cache.ts';
import { fileLoader, providerLoader, type FetchLike } from './price-loaders.ts';
import { withSurcharges, type PriceSlot, type PriceSurcharges } from './price-slot.ts';
import { computedPriceSource, fixedPriceSource, type PriceSource, type PriceStatus } from './price-source.ts';
import type { DynamicSourceConfig, TariffConfig } from './tariff-config.ts';
import { timeOfUseSlots } from './time-of-use.ts';

/**
 * The site's tariff built from the config: what a kWh from the grid costs and what an exported kWh earns, over time.
 * main.ts builds one, starts it, and hands `outlook()` to the control loop and the planner each tick (pure data).
 */
export interface SiteTariff {
  readonly currency: string | undefined;
  readonly grid: PriceSource;
  readonly feedIn: PriceSource;
  /** Reads caches and starts scheduled fetches (dynamic tariffs); resolves without waiting for the network. */
  start(): Promise<void>;
  stop(): void;
  /** Fetches every dynamic source now and waits for the result (the CLI and tests). */
  refresh(): Promise<void>;
  outlook(nowMs: number, horizonMs?: number): TariffOutlook;
}

/** Everything a tick needs to know about prices, as plain data. */
export interface TariffOutlook {
  currency: string | undefined;
  /** Grid import prices from now to the horizon; gaps where unknown. */
  gridSlots: PriceSlot[];
  /** Feed-in prices from now to the horizon. */
  feedInSlots: PriceSlot[];
  grid: PriceStatus;
  feedIn: PriceStatus;
}

export interface SiteTariffDependencies {
  /** IANA zone of the site: time-of-use windows are local times. */
  timeZone: string;
  /** Price caches go here; relative price file paths resolve against it. */
  dataDir: string;
  clock: Clock;
  fetch: FetchLike;
  readText: (path: string) => Promise<string>;
  logger?: Logger;
}

export const DEFAULT_OUTLOOK_HORIZON_MS = 48 * 3_600_000;

/** A source that never has prices, with the reason (no tariff configured). */
function noPrices(reason: string): PriceSource {
  return {
    slots: () => [],
    status: (nowMs) => ({ status: 'unavailable', fetchedAtMs: null, coveredUntilMs: nowMs, error: reason }),
  };
}

function surchargedView(source: DynamicPriceSource, surcharges: PriceSurcharges | undefined): PriceSource {
  return {
    slots: (fromMs, toMs) => withSurcharges(source.marketSlots(fromMs, toMs), surcharges),
    status: (nowMs) => source.status(nowMs),
  };
}

export function createSiteTariff(config: TariffConfig | undefined, deps: SiteTariffDependencies): SiteTariff {
  const dynamic = new Map<string, DynamicPriceSource>();

  // Grid and feed-in may read the same provider (market price with different adders): one fetcher serves both.
  const dynamicSource = (source: DynamicSourceConfig, role: string, currency: string): DynamicPriceSource => {
    const loader: PriceLoader = source.type === 'provider'
      ? providerLoader({ provider: source.provider, fetch: deps.fetch, biddingZone: source.biddingZone, ...(source.url ? { url: source.url } : {}) })
      : fileLoader({
        path: isAbsolute(source.path) ? source.path : join(deps.dataDir, source.path),
        format: source.format,
        readText: deps.readText,
        ...(source.column ? { column: source.column } : {}),
        ...(source.timezone ? { timeZone: source.timezone } : {}),
      });
    const existing = dynamic.get(loader.id);
    if (existing !== undefined) return existing;
    const created = new DynamicPriceSource({
      loader,
      clock: deps.clock,
      currency,
      refreshMs: source.refreshMinutes * 60_000,
      retryMs: (source.type === 'provider' ? source.retryMinutes : source.refreshMinutes) * 60_000,
      timeoutMs: (source.type === 'provider' ? source.timeoutS : 10) * 1000,
      ...(source.type === 'provider' ? { cache: jsonFilePriceCache(join(deps.dataDir, `prices-${role}.json`), deps.logger) } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
    dynamic.set(loader.id, created);
    return created;
  };

  let grid: PriceSource;
  let feedIn: PriceSource = fixedPriceSource(0);
  if (config === undefined) {
    grid = noPrices('no tariff configured');
  } else {
    switch (config.kind) {
      case 'fixed':
        grid = fixedPriceSource(config.pricePerKWh);
        break;
      case 'time-of-use': {
        const prices = { basePricePerKWh: config.basePricePerKWh, windows: config.windows, holidays: config.holidays };
        grid = computedPriceSource((fromMs, toMs) => timeOfUseSlots(prices, fromMs, toMs, deps.timeZone));
        break;
      }
      case 'dynamic':
        grid = surchargedView(dynamicSource(config.source, 'grid', config.currency), config.surcharges);
        break;
    }
    if (config.feedIn?.kind === 'fixed') feedIn = fixedPriceSource(config.feedIn.pricePerKWh);
    if (config.feedIn?.kind === 'dynamic') {
      feedIn = surchargedView(dynamicSource(config.feedIn.source, 'feed-in', config.currency), config.feedIn.surcharges);
    }
  }

  return {
    currency: config?.currency,
    grid,
    feedIn,
    async start() {
      await Promise.all([...dynamic.values()].map((d) => d.start()));
    },
    stop() {
      for (const d of dynamic.values()) d.stop();
    },
    async refresh() {
      await Promise.all([...dynamic.values()].map((d) => d.refresh()));
    },
    outlook(nowMs, horizonMs = DEFAULT_OUTLOOK_HORIZON_MS) {
      return {
        currency: config?.currency,
        gridSlots: grid.slots(nowMs, nowMs + horizonMs),
        feedInSlots: feedIn.slots(nowMs, nowMs + horizonMs),
        grid: grid.status(nowMs),
        feedIn: feedIn.status(nowMs),
      };
    },
  };
}
