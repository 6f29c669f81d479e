import { slotAt, type PriceSlot } from '../tariffs/price-slot.ts';

/**
 * The per-charger price limit ("charge fast whenever the price is at or below it"), as the peer's smart cost limit.
 * Pure. An unknown price is never at or below the limit: Sunplug does not charge fast on a guess.
 */

/** True when a known price covers `nowMs` and is at or below `limitPerKWh` (site currency per kWh). */
export function priceAtOrBelowLimit(slots: readonly PriceSlot[], nowMs: number, limitPerKWh: number): boolean {
  const slot = slotAt(slots, nowMs);
  return slot !== undefined && slot.pricePerKWh <= limitPerKWh;
}

/**
 * When the price is next at or below the limit: `nowMs` if it is now, else the start of the first such slot, or null
 * when no known price before the end of the slots qualifies (the dashboard's "next start").
 */
export function nextTimeAtOrBelowLimit(slots: readonly PriceSlot[], nowMs: number, limitPerKWh: number): number | null {
  for (const slot of slots) {
    if (slot.endMs <= nowMs || slot.pricePerKWh > limitPerKWh) continue;
    return Math.max(slot.startMs, nowMs);
  }
  return null;
}
