/**
 * Prices over time as half-open slots [startMs, endMs) in UTC ms. Every tariff kind (fixed, time of use, dynamic)
 * produces these, and the planner and the per-charger price limit read them. Pure: no I/O, so `policy/` may import it.
 *
 * Invariants of a slot list as the functions here return it: sorted by start, no overlaps, every slot non-empty.
 * Gaps are allowed and mean "price unknown"; nothing here ever fills a gap or extends a slot past its end.
 */

export interface PriceSlot {
  startMs: number;
  /** Exclusive. */
  endMs: number;
  /** Price of one kWh drawn in this slot, in the site currency (e.g. EUR/kWh, BRL/kWh), taxes as configured. */
  pricePerKWh: number;
}

export const QUARTER_HOUR_MS = 900_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The slot that contains `atMs`, if any. */
export function slotAt(slots: readonly PriceSlot[], atMs: number): PriceSlot | undefined {
  // Binary search: slot lists cover up to a few days at 15 min, a few hundred entries, looked up every tick.
  let low = 0;
  let high = slots.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const slot = slots[mid]!;
    if (atMs < slot.startMs) high = mid - 1;
    else if (atMs >= slot.endMs) low = mid + 1;
    else return slot;
  }
  return undefined;
}

/** Price at an instant, or undefined where no slot covers it (never the nearest slot's price). */
export function priceAt(slots: readonly PriceSlot[], atMs: number): number | undefined {
  return slotAt(slots, atMs)?.pricePerKWh;
}

/** The parts of the slots inside [fromMs, toMs), clipped to the window. */
export function slotsInWindow(slots: readonly PriceSlot[], fromMs: number, toMs: number): PriceSlot[] {
  const out: PriceSlot[] = [];
  for (const slot of slots) {
    if (slot.endMs <= fromMs || slot.startMs >= toMs) continue;
    out.push({ startMs: Math.max(slot.startMs, fromMs), endMs: Math.min(slot.endMs, toMs), pricePerKWh: slot.pricePerKWh });
  }
  return out;
}

/**
 * End of the stretch of prices that starts at `fromMs` without a gap, or `fromMs` itself when no slot covers it.
 * Tells how far ahead prices are known.
 */
export function coveredUntilMs(slots: readonly PriceSlot[], fromMs: number): number {
  let until = fromMs;
  for (const slot of slots) {
    if (slot.endMs <= until) continue;
    if (slot.startMs > until) break;
    until = slot.endMs;
  }
  return until;
}

/**
 * Splits every slot at each multiple of `resolutionMs` (counted from the Unix epoch, so quarter hours and hours
 * line up with UTC and with every zone whose offset is a whole number of quarter hours). Prices are unchanged:
 * an hourly price applies to each of its quarter hours.
 */
export function splitSlots(slots: readonly PriceSlot[], resolutionMs: number): PriceSlot[] {
  assertResolution(resolutionMs);
  const out: PriceSlot[] = [];
  for (const slot of slots) {
    let start = slot.startMs;
    while (start < slot.endMs) {
      const end = Math.min(slot.endMs, (Math.floor(start / resolutionMs) + 1) * resolutionMs);
      out.push({ startMs: start, endMs: end, pricePerKWh: slot.pricePerKWh });
      start = end;
    }
  }
  return out;
}

/**
 * Time-weighted average price per `resolutionMs` bucket (e.g. quarter hours to hours). A bucket is produced only
 * when slots cover all of it: an hour with a missing quarter has no honest average.
 */
export function averageSlots(slots: readonly PriceSlot[], resolutionMs: number): PriceSlot[] {
  assertResolution(resolutionMs);
  const buckets = new Map<number, { coveredMs: number; weighted: number }>();
  for (const part of splitSlots(slots, resolutionMs)) {
    const bucket = Math.floor(part.startMs / resolutionMs) * resolutionMs;
    const b = buckets.get(bucket) ?? { coveredMs: 0, weighted: 0 };
    b.coveredMs += part.endMs - part.startMs;
    b.weighted += part.pricePerKWh * (part.endMs - part.startMs);
    buckets.set(bucket, b);
  }
  return [...buckets.entries()]
    .filter(([, b]) => b.coveredMs === resolutionMs)
    .sort(([a], [b]) => a - b)
    .map(([startMs, b]) => ({ startMs, endMs: startMs + resolutionMs, pricePerKWh: b.weighted / resolutionMs }));
}

/** Joins neighbouring slots that touch and have the same price (for display and compact storage). */
export function mergeEqualNeighbours(slots: readonly PriceSlot[]): PriceSlot[] {
  const out: PriceSlot[] = [];
  for (const slot of slots) {
    const last = out[out.length - 1];
    if (last !== undefined && last.endMs === slot.startMs && last.pricePerKWh === slot.pricePerKWh) {
      out[out.length - 1] = { ...last, endMs: slot.endMs };
    } else {
      out.push({ ...slot });
    }
  }
  return out;
}

/**
 * Overlays `newer` on `older`: where they overlap, the newer prices win (a provider's corrected or re-published
 * prices); older slots are cut around them, never stretched.
 */
export function overlaySlots(older: readonly PriceSlot[], newer: readonly PriceSlot[]): PriceSlot[] {
  const sortedNewer = sortedSlots(newer);
  const out: PriceSlot[] = [...sortedNewer];
  for (const slot of older) {
    let pieces: PriceSlot[] = [slot];
    for (const n of sortedNewer) {
      if (n.endMs <= slot.startMs || n.startMs >= slot.endMs) continue;
      pieces = pieces.flatMap((p) => {
        const left = p.startMs < n.startMs ? [{ ...p, endMs: Math.min(p.endMs, n.startMs) }] : [];
        const right = p.endMs > n.endMs ? [{ ...p, startMs: Math.max(p.startMs, n.endMs) }] : [];
        return [...left, ...right].filter((q) => q.endMs > q.startMs);
      });
    }
    out.push(...pieces);
  }
  return sortedSlots(out);
}

/** Sorted by start. */
export function sortedSlots(slots: readonly PriceSlot[]): PriceSlot[] {
  return [...slots].sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
}

/**
 * Problems that make a slot list unusable: non-finite numbers, empty or reversed slots, overlaps. Returns one line
 * per problem naming the slot's index (sources that know line numbers report those instead).
 */
export function slotListProblems(slots: readonly PriceSlot[]): string[] {
  const problems: string[] = [];
  slots.forEach((s, i) => {
    if (!Number.isFinite(s.startMs) || !Number.isFinite(s.endMs) || !Number.isFinite(s.pricePerKWh)) {
      problems.push(`slot ${i}: start, end and price must be finite numbers`);
    } else if (s.endMs <= s.startMs) {
      problems.push(`slot ${i}: ends (${new Date(s.endMs).toISOString()}) before or when it starts (${new Date(s.startMs).toISOString()})`);
    }
    const next = slots[i + 1];
    if (next !== undefined && next.startMs < s.endMs) {
      problems.push(`slot ${i + 1}: starts before slot ${i} ends (slots must be sorted and must not overlap)`);
    }
  });
  return problems;
}

/**
 * Retail price from a market price, per kWh: (market + fees) x (1 + VAT). Fees are everything charged per kWh on top
 * of the market price (grid fee, levies, electricity tax, the supplier's margin); VAT applies to the sum, as on a
 * German or Austrian bill.
 */
export interface PriceSurcharges {
  /** Added to the market price, site currency per kWh. */
  feesPerKWh: number;
  /** Value-added tax in percent (19 for Germany), applied to market + fees. */
  vatPct: number;
}

export function retailPricePerKWh(marketPerKWh: number, surcharges: PriceSurcharges): number {
  return (marketPerKWh + surcharges.feesPerKWh) * (1 + surcharges.vatPct / 100);
}

export function withSurcharges(slots: readonly PriceSlot[], surcharges: PriceSurcharges | undefined): PriceSlot[] {
  if (surcharges === undefined) return slots.map((s) => ({ ...s }));
  return slots.map((s) => ({ ...s, pricePerKWh: retailPricePerKWh(s.pricePerKWh, surcharges) }));
}

function assertResolution(resolutionMs: number): void {
  if (!(Number.isInteger(resolutionMs) && resolutionMs > 0)) throw new RangeError('resolutionMs must be a positive integer');
}
