import { coveredUntilMs, DAY_MS, slotsInWindow, type PriceSlot } from './price-slot.ts';

/**
 * Where prices come from, as the control loop and the planner see it: known prices for a window and the state of
 * the source. Fixed and time-of-use tariffs compute their slots; dynamic ones fetch them (dynamic-price-source.ts).
 */
export interface PriceSource {
  /** Known prices overlapping [fromMs, toMs), clipped to it, sorted; gaps where no price is known. */
  slots(fromMs: number, toMs: number): PriceSlot[];
  status(nowMs: number): PriceStatus;
}

/**
 * - `ok`: a price covers now and the last fetch (if the source fetches) succeeded;
 * - `stale`: a price covers now but the last fetch failed (or none has run yet): cached prices are served, only for
 *   the time they were published for;
 * - `unavailable`: no price covers now; `error` says why.
 */
export interface PriceStatus {
  status: 'ok' | 'stale' | 'unavailable';
  /** When the prices in use were fetched or read, ms; null for computed tariffs and before any success. */
  fetchedAtMs: number | null;
  /** End of the prices known without a gap from now, ms (now itself when none covers now). */
  coveredUntilMs: number;
  error?: string;
}

/**
 * A source whose prices are computed, never fetched (fixed, time of use): always ok. The slots are computed for a
 * stretch of days at a time and reused, because the control loop asks every tick and local-time arithmetic with Intl
 * is not free.
 */
export function computedPriceSource(compute: (fromMs: number, toMs: number) => PriceSlot[]): PriceSource {
  let cache: { fromMs: number; toMs: number; slots: PriceSlot[] } | undefined;
  const known = (fromMs: number, toMs: number): PriceSlot[] => {
    if (cache === undefined || fromMs < cache.fromMs || toMs > cache.toMs) {
      const startMs = fromMs - DAY_MS;
      const endMs = Math.max(toMs, fromMs + 8 * DAY_MS);
      cache = { fromMs: startMs, toMs: endMs, slots: compute(startMs, endMs) };
    }
    return cache.slots;
  };
  return {
    slots: (fromMs, toMs) => (toMs > fromMs ? slotsInWindow(known(fromMs, toMs), fromMs, toMs) : []),
    // A computed tariff is known indefinitely; a week ahead is beyond any plan and keeps the number finite.
    status: (nowMs) => ({ status: 'ok', fetchedAtMs: null, coveredUntilMs: coveredUntilMs(known(nowMs, nowMs + 7 * DAY_MS), nowMs) }),
  };
}

/** One price for every hour. */
export function fixedPriceSource(pricePerKWh: number): PriceSource {
  return computedPriceSource((fromMs, toMs) => [{ startMs: fromMs, endMs: toMs, pricePerKWh }]);
}
