import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { PriceCache } from './price-cache.ts';
import type { ParsedPrices } from './price-formats.ts';
import type { PriceSource, PriceStatus } from './price-source.ts';
import {
  coveredUntilMs, overlaySlots, slotAt, slotListProblems, slotsInWindow, sortedSlots, withSurcharges,
  type PriceSlot, type PriceSurcharges,
} from './price-slot.ts';

/** Fetches or reads one batch of prices. Throws with a message a homeowner can act on when it cannot. */
export interface PriceLoader {
  /** Names the source in messages and in the cache (a URL without secrets, or a file path). */
  readonly id: string;
  load(nowMs: number, signal: AbortSignal): Promise<ParsedPrices>;
}

export interface DynamicPriceSourceOptions {
  loader: PriceLoader;
  clock: Clock;
  /** The site currency; prices a loader states in another currency are refused. */
  currency: string;
  /** Applied when prices are read, so a fee change in the config needs no refetch; the cache keeps market prices. */
  surcharges?: PriceSurcharges;
  /** Time between fetches after a success, ms. */
  refreshMs: number;
  /** Time between fetches after a failure, ms. */
  retryMs: number;
  /** A fetch that takes longer is aborted and counts as failed, ms. */
  timeoutMs: number;
  cache?: PriceCache;
  logger?: Logger;
  /** Prices that ended longer ago than this are dropped from memory and cache, ms. Default 2 days. */
  keepPastMs?: number;
  /** How often the schedule checks whether a fetch is due, ms. Default 1 min. */
  checkEveryMs?: number;
}

/**
 * Prices from a provider or a file, refreshed on the injected Clock, kept in memory and (optionally) in a JSON cache
 * file in the data directory so that a restart without network still knows today's prices. Prices are served only
 * for the time range they were published for: when they run out, the status turns `unavailable`, never "last price
 * continues".
 */
export class DynamicPriceSource implements PriceSource {
  /** Market prices (before surcharges), sorted, non-overlapping. */
  private market: PriceSlot[] = [];
  private fetchedAtMs: number | null = null;
  private lastAttemptMs: number | undefined;
  /** Outcome of the last finished fetch: undefined before any finished, else the error or null for success. */
  private lastError: string | null | undefined;
  private inFlight: Promise<PriceStatus> | undefined;
  private cancelSchedule: (() => void) | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly options: DynamicPriceSourceOptions) {}

  /** Reads the cache, schedules refreshes and starts the first one without waiting for it. */
  async start(): Promise<void> {
    await this.loadCache();
    this.cancelSchedule = this.options.clock.every(this.options.checkEveryMs ?? 60_000, () => {
      void this.refreshIfDue();
    },
      (error) => this.options.logger?.error({ err: String(error), source: this.options.loader.id }, 'price refresh failed'));
    void this.refreshIfDue();
  }

  stop(): void {
    this.cancelSchedule?.();
    this.cancelSchedule = undefined;
    this.abort.abort();
  }

  /** Fetches now (or joins the fetch under way) and resolves with the resulting status. Never rejects. */
  refresh(): Promise<PriceStatus> {
    this.inFlight ??= this.fetchOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  slots(fromMs: number, toMs: number): PriceSlot[] {
    return withSurcharges(slotsInWindow(this.market, fromMs, toMs), this.options.surcharges);
  }

  /** Market prices before surcharges (e.g. for a feed-in price derived from them). */
  marketSlots(fromMs: number, toMs: number): PriceSlot[] {
    return slotsInWindow(this.market, fromMs, toMs);
  }

  status(nowMs: number): PriceStatus {
    const covered = slotAt(this.market, nowMs) !== undefined;
    const until = coveredUntilMs(this.market, nowMs);
    const base = { fetchedAtMs: this.fetchedAtMs, coveredUntilMs: until };
    if (covered) {
      if (this.lastError === null) return { status: 'ok', ...base };
      return { status: 'stale', ...base, error: this.lastError ?? 'not fetched yet: serving cached prices' };
    }
    const why = this.lastError ?? (this.lastError === undefined ? 'not fetched yet' : 'the source has no price for now');
    return { status: 'unavailable', ...base, error: why };
  }

  private refreshIfDue(): Promise<PriceStatus> | undefined {
    const nowMs = this.options.clock.nowMs();
    const last = this.lastAttemptMs;
    const waitMs = this.lastError === null ? this.options.refreshMs : this.options.retryMs;
    if (this.inFlight !== undefined || (last !== undefined && nowMs - last < waitMs)) return undefined;
    return this.refresh();
  }

  private async fetchOnce(): Promise<PriceStatus> {
    const { clock, loader, logger } = this.options;
    const startedMs = clock.nowMs();
    this.lastAttemptMs = startedMs;
    const attempt = new AbortController();
    const onStop = (): void => attempt.abort();
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    const timer = new AbortController();
    void clock.sleep(this.options.timeoutMs, timer.signal).then(() => attempt.abort(), () => undefined);
    try {
      const loading = loader.load(startedMs, attempt.signal);
      // A loader that ignores the abort may still reject after the timeout won the race: that must not go unhandled.
      loading.catch(() => undefined);
      const parsed = await Promise.race([
        loading,
        new Promise<never>((_, reject) => attempt.signal.addEventListener('abort', () =>
          reject(new Error(this.abort.signal.aborted ? 'stopped' : `no answer within ${this.options.timeoutMs / 1000} s`)), { once: true })),
      ]);
      this.accept(parsed, clock.nowMs());
      this.lastError = null;
      await this.saveCache();
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      logger?.warn({ source: loader.id, err: this.lastError }, 'prices could not be fetched; using cached prices where they apply');
    } finally {
      timer.abort();
      this.abort.signal.removeEventListener('abort', onStop);
    }
    return this.status(clock.nowMs());
  }

  private accept(parsed: ParsedPrices, nowMs: number): void {
    if (parsed.currency !== undefined && parsed.currency !== this.options.currency) {
      throw new Error(`${this.options.loader.id}: prices are in ${parsed.currency} but the site currency is ${this.options.currency}`);
    }
    const incoming = sortedSlots(parsed.slots);
    const problems = slotListProblems(incoming);
    if (problems.length > 0) throw new Error(`${this.options.loader.id}: ${problems.join('; ')}`);
    const keepFromMs = nowMs - (this.options.keepPastMs ?? 2 * 86_400_000);
    this.market = overlaySlots(this.market, incoming).filter((s) => s.endMs > keepFromMs);
    this.fetchedAtMs = nowMs;
  }

  private async loadCache(): Promise<void> {
    const cached = await this.options.cache?.read(this.options.loader.id);
    if (cached === undefined) return;
    this.market = cached.slots;
    this.fetchedAtMs = cached.fetchedAtMs;
  }

  private async saveCache(): Promise<void> {
    const { cache, loader, logger } = this.options;
    if (cache === undefined || this.fetchedAtMs === null) return;
    try {
      await cache.write({ source: loader.id, fetchedAtMs: this.fetchedAtMs, slots: this.market });
    } catch (error) {
      // Prices in memory still work; only a restart without network loses them.
      logger?.warn({ source: loader.id, err: error instanceof Error ? error.message : String(error) }, 'price cache not written');
    }
  }
}
