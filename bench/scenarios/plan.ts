import { solveBlockOptimum, solveCostOptimum } from '../controllers/cost-optimum.ts';
import { chargeNow, cheapestSlots, findSunplugPlanner, sunplugPlan, type HourEnergy, type PlanContext, type PlanSession } from '../controllers/planners.ts';
import { HOUR_MS, utcToWallMs } from '../time-zones.ts';
import { sessionHours, type HomeYear, type YearSession } from './home-inputs.ts';

/**
 * Plan mode on real day-ahead prices: the CoSSMic home (hourly PV and household load), the year of sessions, each
 * session must get its energy by departure (capped at what 11 kW can deliver while plugged in). A dynamic tariff:
 * buy = (spot + 0.17 €/kWh net grid fees and levies) × 1.19 VAT; feed-in 0.08 €/kWh.
 * The EV's cost per hour = buy price × grid energy + feed-in × sun energy it took (the household is netted per hour;
 * each strategy says how much of its energy was sun: at full power for g hours min(S, 11 kW)·g; the LP may also take
 * the sun in bursts at the minimum power).
 * Energy a strategy fails to deliver is charged at the year's mean buy price. Regret = (strategy − LP) / LP.
 */
export const TARIFF = { addersPerKWh: 0.17, vat: 0.19, feedInPerKWh: 0.08 };
const MAX_W = 16 * 3 * 230;
const MIN_W = 6 * 3 * 230;

export interface PlanRow {
  strategy: string;
  /** undefined: not available (no Sunplug planner yet). */
  evCostEur?: number;
  evKWh?: number;
  unmetKWh?: number;
  regretPct?: number;
  note?: string;
}

export interface PlanResult {
  sessions: number;
  meanBuyPerKWh: number;
  negativeHours: number;
  rows: PlanRow[];
}

export async function runPlan(home: HomeYear, sessions: readonly YearSession[], spotPerMWh: Float64Array): Promise<PlanResult> {
  const buy = Array.from(spotPerMWh, (p) => (p / 1000 + TARIFF.addersPerKWh) * (1 + TARIFF.vat));
  const meanBuy = buy.reduce((s, x) => s + x, 0) / buy.length;
  const surplusW = Array.from(home.pvW, (pv, t) => pv - home.loadW[t]!);
  const hourMs = (t: number): number => home.startMs + t * HOUR_MS;
  const ctx: PlanContext = { maxW: MAX_W, minW: MIN_W, buyPerKWh: buy, surplusW, knownUntil: (t) => knownUntil(t, home) };
  const plans: PlanSession[] = sessions.map((s) => {
    const hours = sessionHours(s, home);
    return { hours, energyWh: Math.min(s.needWh, hours.reduce((e, h) => e + h.avail * MAX_W, 0)) };
  });
  const needKWh = plans.reduce((e, p) => e + p.energyWh, 0) / 1000;
  const row = (strategy: string, hours: readonly [number, HourEnergy][]): PlanRow => {
    let eur = 0;
    let evWh = 0;
    for (const [t, { energyWh, sunWh }] of hours) {
      eur += (buy[t]! * (energyWh - sunWh) + TARIFF.feedInPerKWh * sunWh) / 1000;
      evWh += energyWh;
    }
    const unmetKWh = Math.max(0, needKWh - evWh / 1000);
    return { strategy, evCostEur: eur + unmetKWh * meanBuy, evKWh: evWh / 1000, unmetKWh };
  };
  const collect = (plan: (s: PlanSession) => Map<number, HourEnergy>): [number, HourEnergy][] => plans.flatMap((p) => [...plan(p)]);
  const lpInput = { surplusW, buyPerKWh: buy, feedInPerKWh: TARIFF.feedInPerKWh, maxW: MAX_W, minW: MIN_W,
    sessions: plans.map((p) => ({ steps: p.hours, needWh: p.energyWh })) };
  const asHours = (lp: { energyWh: number[]; sunWh: number[] }): [number, HourEnergy][] =>
    lp.energyWh.map((energyWh, t) => [t, { energyWh, sunWh: lp.sunWh[t]! }]);
  const optimum = row('LP optimum (perfect foresight)', asHours(await solveCostOptimum(lpInput)));
  const blocks = row('LP optimum, full-power blocks + solar mode only', asHours(await solveBlockOptimum(lpInput)));
  // Diagnostic: the same strategies if every price of the year were known (isolates the price-forecast part of regret).
  const allKnown: PlanContext = { ...ctx, knownUntil: () => Number.POSITIVE_INFINITY };
  const rows: PlanRow[] = [
    row('charge at once', collect((p) => chargeNow(p, ctx))),
    row('evcc-style: solar + cheapest slots', collect((p) => cheapestSlots(p, ctx))),
    row('evcc-style, all prices known', collect((p) => cheapestSlots(p, allKnown))),
  ];
  const planner = await findSunplugPlanner();
  const feedIn = { feedInPerKWh: TARIFF.feedInPerKWh };
  rows.unshift(...(planner
    ? [row('Sunplug planner', collect((p) => sunplugPlan(planner, p, { ...ctx, ...feedIn }, hourMs))),
      row('Sunplug planner, all prices known', collect((p) => sunplugPlan(planner, p, { ...allKnown, ...feedIn }, hourMs)))]
    : [{ strategy: 'Sunplug planner', note: 'no src/policy/planner.ts exporting planCharging' }]));
  rows.push(blocks, optimum);
  for (const r of rows) {
    if (r.evCostEur !== undefined) r.regretPct = (r.evCostEur - optimum.evCostEur!) / optimum.evCostEur! * 100;
  }
  return { sessions: plans.length, meanBuyPerKWh: meanBuy, negativeHours: Array.from(spotPerMWh).filter((p) => p < 0).length, rows };
}

/**
 * Day-ahead prices for day D+1 are published around 12:45 Central European time: before 13:00 local the known
 * prices end at midnight, from 13:00 on at the next midnight.
 */
function knownUntil(t: number, home: HomeYear): number {
  const utcMs = home.startMs + t * HOUR_MS;
  const wall = utcToWallMs(utcMs, 'Europe/Berlin');
  const localHour = new Date(wall).getUTCHours();
  const hoursToMidnight = 24 - localHour;
  return t + hoursToMidnight + (localHour >= 13 ? 24 : 0);
}
