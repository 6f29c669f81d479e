import type { PriceSlot } from '../tariffs/price-slot.ts';

/**
 * The charging planner: which times to charge from the grid at full power so that the car has its energy by
 * departure at the lowest expected cost, counting the solar surplus the forecast says will come before then. Pure and
 * deterministic: re-planning is calling it again with fresh inputs (the control loop does, every tick or minute).
 *
 * The model (docs/tariffs.md, reference/control.md §8.1 restricted to one car):
 * - time from now to departure is cut into segments: at every `resolutionMs` boundary (15 min) and wherever the price
 *   or the solar forecast changes;
 * - in each segment the car can take the forecast surplus (solar-mode charging, when it reaches the charger's
 *   minimum power) at the feed-in price it would otherwise have earned (0 without feed-in prices), and on top of it
 *   grid power up to the charger's maximum at that segment's import price;
 * - a surplus S below the minimum power Pmin is not lost: charging at the minimum current takes S from the sun and
 *   Pmin − S from the grid, so the first Pmin of such a segment costs c − (c − f)·S/Pmin per kWh (cheaper than the
 *   grid alone) and the rest up to the maximum costs c. The cost of a segment stays convex, so the greedy choice below
 *   is still the optimum;
 * - the cheapest energy is taken first until the need (divided by the charging efficiency) is met. Every piece is
 *   linear, so this greedy choice is the LP optimum (a fractional knapsack); the test checks it against brute force.
 *   Ties go to the later segment (keeps the car's battery at a lower state of charge for less time, like the peer);
 *   within one segment the sun goes before the grid;
 * - how a segment is run: with sun at or above the minimum power, or with energy of at least the minimum power over the
 *   whole segment, at one even power across it (the sun is taken whatever the power, and an even current spares
 *   the car and the charger's writes); otherwise at the minimum power (sun below it) or full power (no sun) for the
 *   end of the segment only, so every such block ends on a boundary and the next start moves later, not earlier, as
 *   the need shrinks;
 * - a segment without a known price ranks after every priced one, latest first: with no prices at all that is one
 *   block just before departure (the peer's "late start" fallback); with prices known for today only, today's
 *   cheapest hours are used and re-planning moves them once tomorrow's prices are published;
 * - when even full power from now on cannot deliver the need, the plan is to charge at full power from now
 *   (`too-late`) and `shortfallWh` says what will be missing.
 * Because the sun's share is counted before any grid energy is bought, the plan leaves room for the sun instead of
 * buying at night what the roof would have delivered for free in the morning.
 */

/** Expected solar surplus available to this car over [startMs, endMs), W >= 0 (PV minus the home's load). */
export interface SurplusSlot {
  startMs: number;
  endMs: number;
  powerW: number;
}

/** Energy to add to the car's battery: directly, or from its state of charge. */
export type EnergyNeed =
  | { energyWh: number }
  | { targetSocPct: number; socPct: number; capacityWh: number };

export interface PlanRequest {
  nowMs: number;
  /** When the car must be charged, ms. */
  departureMs: number;
  need: EnergyNeed;
  /** Power at the charger's maximum current, W (maxCurrentA x phases x voltage: chargerPowerRangeW). */
  maxPowerW: number;
  /** Power at the charger's minimum current, W: less solar surplus than this does not charge the car. */
  minPowerW: number;
  /** Share of the energy drawn from the wall that reaches the battery, (0, 1]; default 0.9. */
  efficiency?: number;
  /** Grid import prices; gaps mean unknown. */
  prices: readonly PriceSlot[];
  /** Forecast surplus for this car; none means no sun is counted on. */
  solarSurplus?: readonly SurplusSlot[];
  /** What exported energy earns; the sun's energy costs the car this much. Default: nothing. */
  feedInPrices?: readonly PriceSlot[];
  /**
   * The surplus measured now (e.g. a 5-minute average), W: replaces the forecast for the segment that contains now.
   * Without it a cloudy last hour before departure is only noticed when it is too late to buy the difference.
   */
  currentSurplusW?: number;
  /** Segment length, ms; default 15 min. */
  resolutionMs?: number;
}

export type PlanStatus =
  /** Nothing left to charge. */
  | 'done'
  /** The departure time has passed. */
  | 'departed'
  /** The forecast sun covers the need: no grid charging planned. */
  | 'solar-only'
  /** Grid charging planned in the cheapest segments. */
  | 'planned'
  /** Grid charging planned, but no price is known before departure: one late block. */
  | 'no-prices'
  /** Not enough time even at full power: charge at full power from now. */
  | 'too-late';

/**
 * A block of charging with grid energy, at `powerW` (the maximum, the minimum with a partial surplus, or an even power
 * across a segment with sun). Energies are drawn at the wall, Wh; cost in the site currency.
 */
export interface PlannedSlot {
  startMs: number;
  endMs: number;
  powerW: number;
  /** Energy from the grid in this block. */
  gridEnergyWh: number;
  /** Forecast solar energy the car takes in this block alongside the grid. */
  solarEnergyWh: number;
  /** Cost of the grid energy; null when some of it has no known price. */
  cost: number | null;
}

export interface ChargingPlan {
  status: PlanStatus;
  /** Charging blocks in time order; contiguous segments at the same power are merged. */
  slots: PlannedSlot[];
  /** Start of the first grid block (now when one is running), or null when none is planned. */
  nextStartMs: number | null;
  /** A grid block covers nowMs: charge at full power now. */
  activeNow: boolean;
  /** Energy to add to the battery, Wh. */
  needWh: number;
  /** Expected energy from the sun before departure, at the wall, Wh. */
  expectedSolarWh: number;
  /** Planned grid energy, at the wall, Wh. */
  expectedGridWh: number;
  /** Part of the grid energy in segments without a known price, Wh. */
  unpricedGridWh: number;
  /** Expected cost of the priced grid energy, site currency. */
  expectedCost: number;
  /** Feed-in the sun's energy would have earned, site currency (0 without feed-in prices). */
  forgoneFeedIn: number;
  /** Battery energy that cannot be delivered by departure, Wh. */
  shortfallWh: number;
  /** When the car is expected to have its energy (the end of the last charging it needs), or null when done/departed. */
  expectedFinishMs: number | null;
}

const DEFAULT_RESOLUTION_MS = 900_000;
const HOUR_MS = 3_600_000;

/** Battery energy the need asks for, Wh (never negative). */
export function energyNeededWh(need: EnergyNeed): number {
  if ('energyWh' in need) return Math.max(0, need.energyWh);
  return Math.max(0, ((need.targetSocPct - need.socPct) / 100) * need.capacityWh);
}

/** Charger power range from its currents, W. Voltage is the site's phase-to-neutral voltage. */
export function chargerPowerRangeW(charger: { minCurrentA: number; maxCurrentA: number; phases: number }, voltageV: number): { minPowerW: number; maxPowerW: number } {
  return {
    minPowerW: charger.minCurrentA * charger.phases * voltageV,
    maxPowerW: charger.maxCurrentA * charger.phases * voltageV,
  };
}

/** A stretch with constant price and surplus. Energies at the wall, Wh. */
interface Segment {
  index: number;
  startMs: number;
  endMs: number;
  hours: number;
  price: number | undefined;
  /** Feed-in price, capped at the import price so that within a segment the sun never ranks after the grid. */
  feedIn: number;
  /** Surplus the car can use in solar mode in this segment, W (0 below the minimum power), at most maxPowerW. */
  solarW: number;
  /** Surplus below the minimum power, W (0 when solarW > 0): taken only while charging at the minimum or more. */
  partialW: number;
}

interface Piece {
  segment: Segment;
  /** solar: solar-mode charging; min: the minimum power with a partial surplus; grid: the rest up to the maximum. */
  kind: 'solar' | 'min' | 'grid';
  capacityWh: number;
  /** Per kWh; Infinity for grid energy without a known price (ranked last). */
  unitCost: number;
}

function valueAt<T extends { startMs: number; endMs: number }>(slots: readonly T[] | undefined, atMs: number): T | undefined {
  if (slots === undefined) return undefined;
  for (const s of slots) if (atMs >= s.startMs && atMs < s.endMs) return s;
  return undefined;
}

function segmentsOf(request: PlanRequest): Segment[] {
  const { nowMs, departureMs, maxPowerW, minPowerW } = request;
  const resolutionMs = request.resolutionMs ?? DEFAULT_RESOLUTION_MS;
  const cuts = new Set<number>([nowMs, departureMs]);
  for (let t = (Math.floor(nowMs / resolutionMs) + 1) * resolutionMs; t < departureMs; t += resolutionMs) cuts.add(t);
  const addEdges = (slots: readonly { startMs: number; endMs: number }[] | undefined): void => {
    for (const s of slots ?? []) for (const t of [s.startMs, s.endMs]) if (t > nowMs && t < departureMs) cuts.add(t);
  };
  addEdges(request.prices);
  addEdges(request.solarSurplus);
  addEdges(request.feedInPrices);
  const sorted = [...cuts].sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const startMs = sorted[i]!;
    const endMs = sorted[i + 1]!;
    const price = valueAt(request.prices, startMs)?.pricePerKWh;
    const forecastW = i === 0 && request.currentSurplusW !== undefined ? request.currentSurplusW : valueAt(request.solarSurplus, startMs)?.powerW;
    const surplusW = Math.max(0, forecastW ?? 0);
    const solarW = surplusW >= minPowerW ? Math.min(surplusW, maxPowerW) : 0;
    const partialW = solarW === 0 && minPowerW > 0 && minPowerW <= maxPowerW ? surplusW : 0;
    const feedIn = valueAt(request.feedInPrices, startMs)?.pricePerKWh ?? 0;
    segments.push({ index: i, startMs, endMs, hours: (endMs - startMs) / HOUR_MS, price,
      feedIn: price === undefined ? feedIn : Math.min(feedIn, price), solarW, partialW });
  }
  return segments;
}

/** Cheapest first; on equal cost the later segment; within a segment the sun before the grid. */
function comparePieces(a: Piece, b: Piece): number {
  if (a.unitCost !== b.unitCost) return a.unitCost < b.unitCost ? -1 : 1;
  if (a.segment.index !== b.segment.index) return b.segment.index - a.segment.index;
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
}

const KIND_ORDER: Record<Piece['kind'], number> = { solar: 0, min: 1, grid: 2 };

export function planCharging(request: PlanRequest): ChargingPlan {
  const efficiency = request.efficiency ?? 0.9;
  if (!(efficiency > 0 && efficiency <= 1)) throw new RangeError('efficiency must be in (0, 1]');
  if (!(request.maxPowerW > 0)) throw new RangeError('maxPowerW must be > 0');
  const needWh = energyNeededWh(request.need);
  const empty = (status: PlanStatus, shortfallWh = 0): ChargingPlan => ({
    status, slots: [], nextStartMs: null, activeNow: false, needWh, expectedSolarWh: 0, expectedGridWh: 0,
    unpricedGridWh: 0, expectedCost: 0, forgoneFeedIn: 0, shortfallWh, expectedFinishMs: null,
  });
  if (needWh <= 0) return empty('done');
  if (request.departureMs <= request.nowMs) return empty('departed', needWh);

  const wallNeedWh = needWh / efficiency;
  const segments = segmentsOf(request);
  // Each segment's two pieces, kept by segment index for the pass that builds the blocks.
  const bySegment = segments.map((segment) => {
    const solarWh = segment.solarW * segment.hours;
    // The minimum power with a partial surplus: its sun share at the feed-in price, the rest at the import price.
    const minWh = segment.partialW > 0 ? request.minPowerW * segment.hours : 0;
    const sunShare = segment.partialW > 0 ? segment.partialW / request.minPowerW : 0;
    const minCost = segment.price === undefined ? Number.POSITIVE_INFINITY : segment.price - (segment.price - segment.feedIn) * sunShare;
    const gridWh = (request.maxPowerW - segment.solarW) * segment.hours - minWh;
    return {
      solar: solarWh > 0 ? { segment, kind: 'solar' as const, capacityWh: solarWh, unitCost: segment.feedIn } : undefined,
      min: minWh > 0 ? { segment, kind: 'min' as const, capacityWh: minWh, unitCost: minCost } : undefined,
      grid: gridWh > 1e-9 ? { segment, kind: 'grid' as const, capacityWh: gridWh, unitCost: segment.price ?? Number.POSITIVE_INFINITY } : undefined,
      sunShare,
    };
  });
  const pieces: Piece[] = bySegment.flatMap((p) => [p.solar, p.min, p.grid].filter((x): x is Piece => x !== undefined));
  const totalWh = pieces.reduce((sum, p) => sum + p.capacityWh, 0);
  const tooLate = totalWh < wallNeedWh - 1e-9;

  // Energy taken per piece, Wh at the wall. Too late: every segment at full power from now.
  const taken = new Map<Piece, number>();
  if (tooLate) {
    for (const p of pieces) taken.set(p, p.capacityWh);
  } else {
    let leftWh = wallNeedWh;
    for (const p of [...pieces].sort(comparePieces)) {
      if (leftWh <= 1e-9) break;
      const x = Math.min(p.capacityWh, leftWh);
      taken.set(p, x);
      leftWh -= x;
    }
  }

  // Charging blocks (segments with grid energy), see the model above for how each is run.
  const blocks: PlannedSlot[] = [];
  let expectedSolarWh = 0;
  let expectedGridWh = 0;
  let unpricedGridWh = 0;
  let expectedCost = 0;
  let forgoneFeedIn = 0;
  let finishMs = request.nowMs;
  for (const segment of segments) {
    const { solar, min, grid, sunShare } = bySegment[segment.index]!;
    const solarModeWh = solar ? taken.get(solar) ?? 0 : 0;
    const minWh = min ? taken.get(min) ?? 0 : 0;
    const gridOnlyWh = grid ? taken.get(grid) ?? 0 : 0;
    const minSunWh = minWh * sunShare;
    const sunWh = solarModeWh + minSunWh;
    const gridWh = gridOnlyWh + minWh - minSunWh;
    expectedSolarWh += sunWh;
    forgoneFeedIn += (sunWh / 1000) * segment.feedIn;
    if (solarModeWh > 1e-9) {
      // Solar-mode energy is counted from the segment's start (the sun first, then any grid on top).
      finishMs = Math.max(finishMs, segment.startMs + Math.min(segment.endMs - segment.startMs, (solarModeWh / segment.solarW) * HOUR_MS));
    }
    if (gridWh <= 1e-9) continue;
    expectedGridWh += gridWh;
    if (segment.price === undefined) unpricedGridWh += gridWh; else expectedCost += (gridWh / 1000) * segment.price;
    const fullMs = segment.endMs - segment.startMs;
    const energyWh = solarModeWh + minWh + gridOnlyWh;
    const evenW = energyWh / segment.hours;
    let powerW: number;
    let runMs: number;
    if (segment.solarW > 0 || (segment.partialW > 0 && evenW >= request.minPowerW - 1e-9)) {
      // Sun at the minimum or more, or at least the minimum all along: one even power over the whole segment.
      powerW = Math.min(request.maxPowerW, Math.max(evenW, request.minPowerW));
      runMs = fullMs;
    } else {
      powerW = segment.partialW > 0 ? request.minPowerW : request.maxPowerW;
      // Whole seconds, rounded up so the block never delivers less than planned (and float noise does not show as 1 ms).
      runMs = Math.min(fullMs, Math.ceil((energyWh / powerW) * HOUR_MS / 1000 - 1e-6) * 1000);
    }
    const block: PlannedSlot = {
      startMs: segment.endMs - runMs, endMs: segment.endMs, powerW, gridEnergyWh: gridWh, solarEnergyWh: sunWh,
      cost: segment.price === undefined ? null : (gridWh / 1000) * segment.price,
    };
    finishMs = Math.max(finishMs, block.endMs);
    const last = blocks[blocks.length - 1];
    if (last !== undefined && last.endMs === block.startMs && last.powerW === block.powerW) {
      blocks[blocks.length - 1] = {
        ...last, endMs: block.endMs, gridEnergyWh: last.gridEnergyWh + block.gridEnergyWh,
        solarEnergyWh: last.solarEnergyWh + block.solarEnergyWh,
        cost: last.cost === null || block.cost === null ? null : last.cost + block.cost,
      };
    } else {
      blocks.push(block);
    }
  }

  const deliveredWh = (expectedSolarWh + expectedGridWh) * efficiency;
  const pricedAny = segments.some((s) => s.price !== undefined);
  const status: PlanStatus = tooLate ? 'too-late' : blocks.length === 0 ? 'solar-only' : pricedAny ? 'planned' : 'no-prices';
  const first = blocks[0];
  return {
    status,
    slots: blocks,
    nextStartMs: first === undefined ? null : Math.max(first.startMs, request.nowMs),
    activeNow: first !== undefined && first.startMs <= request.nowMs,
    needWh,
    expectedSolarWh,
    expectedGridWh,
    unpricedGridWh,
    expectedCost,
    forgoneFeedIn,
    shortfallWh: Math.max(0, needWh - deliveredWh),
    expectedFinishMs: tooLate ? request.departureMs : finishMs,
  };
}

/** The power the plan charges at `atMs`, W, or 0 outside its blocks (the sun is then taken in solar mode). */
export function plannedPowerAtW(plan: ChargingPlan, atMs: number): number {
  for (const slot of plan.slots) if (atMs >= slot.startMs && atMs < slot.endMs) return slot.powerW;
  return 0;
}
