import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HOUR_MS = 3_600_000;

/**
 * Charging plans on an hourly axis for one session: `avail` is the plugged-in fraction of an hour, `energyWh` what
 * the car needs by departure. Each returns, per hour, the energy it puts into the car and how much of it is sun (Wh):
 * at full power for g hours the car takes min(S, maxW)·g of the surplus S; solar-mode charging takes only sun.
 */
export interface HourEnergy {
  energyWh: number;
  sunWh: number;
}
export interface PlanSession {
  hours: readonly { t: number; avail: number }[];
  energyWh: number;
}

export interface PlanContext {
  maxW: number;
  /** Buy price per hour, €/kWh. */
  buyPerKWh: readonly number[];
  /** PV − household per hour, W (what solar mode could use). */
  surplusW: readonly number[];
  /** Minimum charging power, W (6 A on every phase). */
  minW: number;
  /** Last hour (exclusive) whose price is known when deciding at hour t (day-ahead publication). */
  knownUntil: (t: number) => number;
}

/** Charge at full power from plug-in until the car has its energy. */
export function chargeNow(s: PlanSession, ctx: PlanContext): Map<number, HourEnergy> {
  const out = new Map<number, HourEnergy>();
  let left = s.energyWh;
  for (const { t, avail } of s.hours) {
    const e = Math.min(left, ctx.maxW * avail);
    if (e > 0) out.set(t, { energyWh: e, sunWh: sunAtFullPower(ctx, t, e / ctx.maxW) });
    left -= e;
  }
  return out;
}

/** Sun the car takes while charging at full power for `hours`, Wh. */
function sunAtFullPower(ctx: PlanContext, t: number, hours: number): number {
  return Math.min(Math.max(0, ctx.surplusW[t]!), ctx.maxW) * hours;
}

/** Grid blocks of `gridH` hours at full power, solar-mode charging in the rest of `avail`, capped at `left` Wh. */
function blocksAndSun(ctx: PlanContext, t: number, avail: number, gridH: number, left: number): HourEnergy | undefined {
  const solarW = ctx.surplusW[t]! >= ctx.minW ? Math.min(ctx.surplusW[t]!, ctx.maxW) : 0;
  const gridWh = Math.min(left, ctx.maxW * gridH);
  const solarWh = Math.min(left - gridWh, solarW * Math.max(0, avail - gridH));
  const energyWh = gridWh + solarWh;
  return energyWh > 0 ? { energyWh, sunWh: sunAtFullPower(ctx, t, gridWh / ctx.maxW) + solarWh } : undefined;
}

/**
 * evcc-style (reference/control.md §4): solar mode plus a plan re-made every hour from the prices known then.
 * The plan takes the cheapest known slots (later ones on equal price) until they cover the remaining energy at full
 * power, trimming the first slot to start late; no solar forecast. Outside the plan the car takes the surplus when it
 * reaches the minimum power. Too little time before departure: charge now. Departure beyond the known prices: plan
 * within them.
 */
export function cheapestSlots(s: PlanSession, ctx: PlanContext): Map<number, HourEnergy> {
  const out = new Map<number, HourEnergy>();
  let left = s.energyWh;
  s.hours.forEach(({ t, avail }, k) => {
    if (left <= 1e-9) return;
    const known = s.hours.slice(k).filter((h) => h.t < ctx.knownUntil(t));
    const needH = left / ctx.maxW;
    const byPrice = [...known].sort((a, b) => ctx.buyPerKWh[a.t]! - ctx.buyPerKWh[b.t]! || b.t - a.t);
    const chosen: { t: number; avail: number }[] = [];
    let covered = 0;
    for (const h of byPrice) {
      if (covered >= needH - 1e-9) break;
      chosen.push(h);
      covered += h.avail;
    }
    const departureKnown = known.length === s.hours.length - k;
    let gridH = 0;
    if (covered < needH - 1e-9 && departureKnown) {
      gridH = avail;
    } else if (chosen.some((h) => h.t === t)) {
      const first = Math.min(...chosen.map((h) => h.t));
      const excessH = Math.max(0, covered - needH);
      gridH = t === first ? Math.max(0, avail - excessH) : avail;
    }
    const hour = blocksAndSun(ctx, t, avail, gridH, left);
    if (hour) { out.set(t, hour); left -= hour.energyWh; }
  });
  return out;
}

/**
 * Sunplug's planner, when there is one: src/policy/planner.ts exporting `planCharging(request) => plan` (the shape
 * below, a structural copy so that the bench type-checks without the file). The bench re-plans every hour of a
 * session with the prices known then, a perfect hourly surplus forecast and the feed-in price, and executes the plan
 * like decide() does: each planned block at its power, solar-mode charging in the rest of the hour.
 */
export interface SunplugPlanRequest {
  nowMs: number;
  departureMs: number;
  need: { energyWh: number };
  maxPowerW: number;
  minPowerW: number;
  efficiency?: number;
  prices: readonly { startMs: number; endMs: number; pricePerKWh: number }[];
  solarSurplus?: readonly { startMs: number; endMs: number; powerW: number }[];
  feedInPrices?: readonly { startMs: number; endMs: number; pricePerKWh: number }[];
}

export type PlanCharging = (request: SunplugPlanRequest) => { slots: readonly { startMs: number; endMs: number; powerW: number }[] };

export async function findSunplugPlanner(): Promise<PlanCharging | undefined> {
  const path = join(dirname(fileURLToPath(import.meta.url)), '../../src/policy/planner.ts');
  if (!existsSync(path)) return undefined;
  const module = (await import(pathToFileURL(path).href)) as { planCharging?: unknown };
  return typeof module.planCharging === 'function' ? (module.planCharging as PlanCharging) : undefined;
}

/**
 * One hour of a Sunplug plan as decide() runs it: inside a planned block at the block's power (the car takes
 * min(S, P) of the surplus S), solar-mode charging for the rest of the hour, at most `left` Wh.
 */
function planHour(ctx: PlanContext, t: number, avail: number, slots: readonly { startMs: number; endMs: number; powerW: number }[],
  fromMs: number, toMs: number, left: number): HourEnergy | undefined {
  const surplusW = Math.max(0, ctx.surplusW[t]!);
  let energyWh = 0;
  let sunWh = 0;
  let blockH = 0;
  for (const b of slots) {
    const h = Math.max(0, Math.min(b.endMs, toMs) - Math.max(b.startMs, fromMs)) / HOUR_MS;
    if (h <= 0) continue;
    const e = Math.min(left - energyWh, b.powerW * h);
    if (e <= 0) break;
    energyWh += e;
    sunWh += Math.min(surplusW, b.powerW) * (e / b.powerW);
    blockH += e / b.powerW;
  }
  const solarW = surplusW >= ctx.minW ? Math.min(surplusW, ctx.maxW) : 0;
  const solarWh = Math.max(0, Math.min(left - energyWh, solarW * Math.max(0, avail - blockH)));
  energyWh += solarWh;
  sunWh += solarWh;
  return energyWh > 0 ? { energyWh, sunWh } : undefined;
}

export function sunplugPlan(planner: PlanCharging, s: PlanSession, ctx: PlanContext & { feedInPerKWh: number },
  hourMs: (t: number) => number): Map<number, HourEnergy> {
  const out = new Map<number, HourEnergy>();
  let left = s.energyWh;
  const first = s.hours[0]!;
  const last = s.hours[s.hours.length - 1]!;
  const plugInMs = hourMs(first.t) + (1 - first.avail) * HOUR_MS;
  const departureMs = hourMs(last.t) + last.avail * HOUR_MS;
  const span = (t: number): { startMs: number; endMs: number } => ({ startMs: hourMs(t), endMs: hourMs(t) + HOUR_MS });
  s.hours.forEach(({ t, avail }, k) => {
    if (left <= 1e-9) return;
    const fromMs = Math.max(plugInMs, hourMs(t));
    const toMs = Math.min(departureMs, hourMs(t) + HOUR_MS);
    const ahead = s.hours.slice(k);
    const plan = planner({
      nowMs: fromMs, departureMs, need: { energyWh: left }, maxPowerW: ctx.maxW, minPowerW: ctx.minW, efficiency: 1,
      prices: ahead.filter((h) => h.t < ctx.knownUntil(t)).map((h) => ({ ...span(h.t), pricePerKWh: ctx.buyPerKWh[h.t]! })),
      solarSurplus: ahead.map((h) => ({ ...span(h.t), powerW: Math.max(0, ctx.surplusW[h.t]!) })),
      feedInPrices: ahead.map((h) => ({ ...span(h.t), pricePerKWh: ctx.feedInPerKWh })),
    });
    const hour = planHour(ctx, t, avail, plan.slots, fromMs, toMs, left);
    if (hour) { out.set(t, hour); left -= hour.energyWh; }
  });
  return out;
}
