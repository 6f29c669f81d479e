import type { PriceLoader } from './dynamic-price-source.ts';
import { parsePriceText } from './price-formats.ts';
import { HOUR_MS } from './price-slot.ts';
import type { PriceFileFormat, ProviderName } from './tariff-config.ts';

/**
 * The `fetch` Sunplug uses, injected from main.ts (Node 20's global fetch) so that tests point it at a server on
 * 127.0.0.1 and nothing here reaches the internet on its own.
 */
export type FetchLike = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) =>
  Promise<{ ok: boolean; status: number; statusText: string; text(): Promise<string> }>;

export const DEFAULT_PROVIDER_URLS: Readonly<Record<ProviderName, string>> = {
  awattar: 'https://api.awattar.de/v1/marketdata',
  'energy-charts': 'https://api.energy-charts.info/price',
};

export interface ProviderLoaderOptions {
  provider: ProviderName;
  fetch: FetchLike;
  /** Endpoint without query; default DEFAULT_PROVIDER_URLS[provider]. */
  url?: string;
  /** Energy-Charts bidding zone, e.g. DE-LU. */
  biddingZone?: string;
  /** How far ahead to ask for, ms (day-ahead markets publish up to the end of tomorrow). Default 48 h. */
  horizonMs?: number;
}

/** `2024-06-01T10:00Z`, the form Energy-Charts accepts for start and end. */
function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/** The request URL for the prices from the start of the current hour to `horizonMs` ahead. */
export function providerRequestUrl(options: Omit<ProviderLoaderOptions, 'fetch'>, nowMs: number): string {
  const base = options.url ?? DEFAULT_PROVIDER_URLS[options.provider];
  const fromMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const toMs = fromMs + (options.horizonMs ?? 48 * HOUR_MS);
  const query = options.provider === 'awattar'
    ? new URLSearchParams({ start: String(fromMs), end: String(toMs) })
    : new URLSearchParams({ bzn: options.biddingZone ?? 'DE-LU', start: isoMinute(fromMs), end: isoMinute(toMs) });
  return `${base}?${query.toString()}`;
}

/** Day-ahead prices over HTTP in the aWATTar or Energy-Charts JSON format. */
export function providerLoader(options: ProviderLoaderOptions): PriceLoader {
  const id = options.url ?? DEFAULT_PROVIDER_URLS[options.provider];
  const format: PriceFileFormat = options.provider === 'awattar' ? 'awattar-json' : 'energy-charts-json';
  return {
    id,
    async load(nowMs, signal) {
      const url = providerRequestUrl(options, nowMs);
      let response: Awaited<ReturnType<FetchLike>>;
      try {
        response = await options.fetch(url, { signal, headers: { accept: 'application/json' } });
      } catch (error) {
        const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
        throw new Error(`${id}: cannot reach the price provider (${cause})`);
      }
      if (!response.ok) throw new Error(`${id}: the price provider answered HTTP ${response.status} ${response.statusText}`.trim());
      return parsePriceText(await response.text(), format, { source: id });
    },
  };
}

export interface FileLoaderOptions {
  path: string;
  format: PriceFileFormat;
  /** Reads the file as UTF-8 text (node:fs/promises readFile in main.ts). */
  readText: (path: string) => Promise<string>;
  column?: string;
  timeZone?: string;
}

/** Prices from a local CSV or JSON file, re-read on every refresh so that a cron job can replace it. */
export function fileLoader(options: FileLoaderOptions): PriceLoader {
  return {
    id: options.path,
    async load() {
      let text: string;
      try {
        text = await options.readText(options.path);
      } catch (error) {
        throw new Error(`${options.path}: cannot read the price file (${error instanceof Error ? error.message : String(error)})`);
      }
      return parsePriceText(text, options.format, {
        source: options.path,
        ...(options.column === undefined ? {} : { column: options.column }),
        ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
      });
    },
  };
}
