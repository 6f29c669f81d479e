import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../platform/logger.ts';
import { slotListProblems, type PriceSlot } from './price-slot.ts';

/** Prices as last fetched, market prices before surcharges. */
export interface CachedPrices {
  /** The loader's id (URL or path): a cache written for another source is not used. */
  source: string;
  fetchedAtMs: number;
  slots: PriceSlot[];
}

export interface PriceCache {
  /** The cached prices for `source`, or undefined when there are none that can be trusted. Never throws. */
  read(source: string): Promise<CachedPrices | undefined>;
  write(prices: CachedPrices): Promise<void>;
}

const cacheFileSchema = z.strictObject({
  version: z.literal(1),
  source: z.string(),
  fetchedAtMs: z.number().int().nonnegative(),
  slots: z.array(z.strictObject({ startMs: z.number().int(), endMs: z.number().int(), pricePerKWh: z.number() })),
});

/**
 * A JSON file in the data directory (e.g. `data/prices-grid.json`), written to a temporary file and renamed so that a
 * power cut leaves the old or the new file, never half of one. A file that fails validation is ignored with a
 * warning: the next successful fetch replaces it.
 */
export function jsonFilePriceCache(file: string, logger?: Logger): PriceCache {
  return {
    async read(source) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        return undefined;
      }
      try {
        const parsed = cacheFileSchema.parse(JSON.parse(text));
        if (parsed.source !== source) {
          logger?.info({ file, cached: parsed.source, source }, 'price cache is for another source: ignored');
          return undefined;
        }
        const problems = slotListProblems(parsed.slots);
        if (problems.length > 0) throw new Error(problems.join('; '));
        return { source: parsed.source, fetchedAtMs: parsed.fetchedAtMs, slots: parsed.slots };
      } catch (error) {
        logger?.warn({ file, err: error instanceof Error ? error.message : String(error) }, 'price cache unreadable: ignored');
        return undefined;
      }
    },
    async write(prices) {
      await mkdir(dirname(file), { recursive: true });
      const temporary = `${file}.tmp`;
      await writeFile(temporary, `${JSON.stringify({ version: 1, ...prices })}\n`);
      await rename(temporary, file);
    },
  };
}

/** A cache that lives only as long as the process, for tests and for sources that need no file. */
export function memoryPriceCache(): PriceCache & { stored: CachedPrices | undefined } {
  const cache = {
    stored: undefined as CachedPrices | undefined,
    read: async (source: string) => (cache.stored?.source === source ? structuredClone(cache.stored) : undefined),
    write: async (prices: CachedPrices) => {
      cache.stored = structuredClone(prices);
    },
  };
  return cache;
}
