import type { ChargerState } from '../domain/charger-state.ts';
import type { SiteSnapshot } from '../domain/site-snapshot.ts';
import type { ChargerPlanTarget, ChargerPolicySettings, PlanningSettings } from './policy-settings.ts';
import { chargerPowerRangeW, planCharging, plannedPowerAtW, type ChargingPlan, type PlanStatus } from './planner.ts';

/**
 * Plan mode for one charger and one tick. Pure. The plan is made afresh every `replanMs` (and at once when the target
 * changes) from what is still missing, so a car that fell behind (clouds, a fuse cut, a slower car) gets more
 * charging planned, and one that is ahead gets less. Between re-plans the last plan is followed.
 */

/** What plan mode remembers per charger. */
export interface PlanMemory {
  /** The target's setAtMs this memory belongs to. */
  setAtMs: number;
  /** The session energy when the plan was first seen, Wh: energy delivered towards the plan is counted from here. */
  baseEnergyWh: number;
  plannedAtMs: number;
  /** The last plan (plan mode); absent when only the energy count is kept (solar mode with a target). */
  plan?: ChargingPlan;
  /**
   * The most power the car was seen to take, W, once it drew clearly less than its limit: a car that charges slower
   * than the charger allows is planned at its own pace, else every plan would fall short.
   */
  carMaxW?: number;
}

/** A car drawing this much below a settled limit is taking all it can, A. */
const CAR_LIMITED_MARGIN_A = 1;

/** The plan as the state and the dashboard show it. */
export interface PlanView {
  status: PlanStatus;
  /** Battery energy still to add, Wh. */
  remainingWh: number;
  expectedFinishAtMs: number | null;
  nextStartAtMs: number | null;
  /** Expected cost of the grid energy still planned, site currency. */
  expectedCost: number;
  shortfallWh: number;
}

export interface PlanStep {
  /** Current the plan asks for now, A; undefined outside planned blocks (solar mode takes whatever sun there is). */
  planA: number | undefined;
  detail: string;
  memory: PlanMemory;
  view: PlanView;
}

/** Battery energy the target asks for from when it was set, Wh. */
export function targetEnergyWh(target: ChargerPlanTarget, planning: PlanningSettings): number {
  if (target.energyWh !== undefined) return Math.max(0, target.energyWh);
  const capacityWh = target.batteryCapacityWh ?? planning.assumedBatteryWh;
  return Math.max(0, (((target.socPercent ?? 0) - (target.vehicleSocPct ?? 0)) / 100) * capacityWh);
}

export function stepPlan(args: {
  cfg: ChargerPolicySettings;
  target: ChargerPlanTarget;
  live: ChargerState;
  memory: PlanMemory | undefined;
  snapshot: SiteSnapshot;
  voltageV: number;
  planning: PlanningSettings;
  /** The limit the charger has had long enough to follow, A, if any (settled, measured after the change). */
  settledLimitA?: number;
}): PlanStep {
  const { cfg, target, live, snapshot, voltageV, planning } = args;
  const nowMs = snapshot.nowMs;
  const { sameTarget, baseEnergyWh, remainingWh } = energyTowards(target, live, args.memory, planning);
  const fresh = sameTarget && args.memory!.plan !== undefined && args.memory!.baseEnergyWh === baseEnergyWh &&
    nowMs - args.memory!.plannedAtMs < planning.replanMs && nowMs >= args.memory!.plannedAtMs;
  const range = chargerPowerRangeW(cfg, voltageV);
  const carMaxW = observedCarMaxW(sameTarget ? args.memory!.carMaxW : undefined, live, args.settledLimitA, cfg.phases, voltageV);
  const minPowerW = range.minPowerW;
  const maxPowerW = Math.max(minPowerW, Math.min(range.maxPowerW, carMaxW ?? Number.POSITIVE_INFINITY));
  const carChanged = carMaxW !== (sameTarget ? args.memory!.carMaxW : undefined);
  const plan = fresh && !carChanged ? args.memory!.plan! : planCharging({
    nowMs, departureMs: target.departureAtMs, need: { energyWh: remainingWh }, maxPowerW, minPowerW,
    efficiency: planning.efficiency, prices: snapshot.prices ?? [],
    ...(snapshot.surplusForecast !== undefined ? { solarSurplus: snapshot.surplusForecast } : {}),
    ...(snapshot.feedInPrices !== undefined ? { feedInPrices: snapshot.feedInPrices } : {}),
  });
  const memory: PlanMemory = { setAtMs: target.setAtMs, baseEnergyWh, plannedAtMs: fresh && !carChanged ? args.memory!.plannedAtMs : nowMs,
    plan, ...(carMaxW !== undefined ? { carMaxW } : {}) };
  const view: PlanView = {
    status: remainingWh <= 0 ? 'done' : plan.status,
    remainingWh,
    expectedFinishAtMs: remainingWh <= 0 ? null : plan.expectedFinishMs,
    nextStartAtMs: plan.nextStartMs,
    expectedCost: plan.expectedCost,
    shortfallWh: plan.shortfallWh,
  };
  const kWh = (remainingWh / 1000).toFixed(1);
  const by = clockTime(target.departureAtMs);
  if (remainingWh <= 0) return { planA: undefined, detail: `plan: target reached; solar surplus only`, memory, view };
  if (nowMs >= target.departureAtMs) {
    return { planA: undefined, detail: `plan: departure ${by} has passed with ${kWh} kWh missing; solar surplus only`, memory, view };
  }
  if (plan.status === 'too-late') {
    return { planA: cfg.maxCurrentA, memory, view,
      detail: `plan: ${kWh} kWh by ${by} cannot be met (${(plan.shortfallWh / 1000).toFixed(1)} kWh short): charging at full power` };
  }
  const powerW = plannedPowerAtW(plan, nowMs);
  if (powerW > 0) {
    // Rounded up to the charger's step: a block run a little fast is trimmed by the next re-plan, one run slow is not.
    const stepA = cfg.currentStepA ?? 0.1;
    const planA = Math.min(cfg.maxCurrentA, Math.ceil(powerW / (cfg.phases * voltageV) / stepA - 1e-9) * stepA);
    return { planA, memory, view, detail: `plan: ${kWh} kWh by ${by}; planned block at ${(powerW / 1000).toFixed(1)} kW` +
      `${plan.expectedCost > 0 ? `, expected cost ${plan.expectedCost.toFixed(2)}` : ''}` };
  }
  const next = plan.nextStartMs === null ? 'sun alone is expected to reach it' : `next planned start ${clockTime(plan.nextStartMs)}`;
  return { planA: undefined, memory, view, detail: `plan: ${kWh} kWh by ${by}; ${next}; solar surplus meanwhile` };
}

/** Energy delivered towards the target so far and what is still missing (battery side), Wh. */
function energyTowards(target: ChargerPlanTarget, live: ChargerState, memory: PlanMemory | undefined, planning: PlanningSettings):
  { sameTarget: boolean; baseEnergyWh: number; remainingWh: number } {
  const sessionWh = live.sessionEnergyWh ?? 0;
  const sameTarget = memory !== undefined && memory.setAtMs === target.setAtMs;
  // A session energy below the base means a new session started: count from its start.
  const baseEnergyWh = sameTarget && memory!.baseEnergyWh <= sessionWh ? memory!.baseEnergyWh : sameTarget ? 0 : sessionWh;
  const deliveredWh = Math.max(0, sessionWh - baseEnergyWh) * planning.efficiency;
  return { sameTarget, baseEnergyWh, remainingWh: Math.max(0, targetEnergyWh(target, planning) - deliveredWh) };
}

/**
 * Solar mode with a known target (the homeowner's plan or the car's own needs) and a surplus forecast: when the
 * surplus the forecast expects at or above the minimum power before departure will not deliver what is missing, a
 * surplus of half the minimum power or more is worth charging at the minimum current: each kWh then takes more from
 * the sun than from the grid, and the sun would otherwise be exported while the car leaves short. Without a target or
 * a forecast solar mode stays strict (surplus only).
 */
export function solarNeedsHelp(args: {
  cfg: ChargerPolicySettings;
  target: ChargerPlanTarget;
  live: ChargerState;
  memory: PlanMemory | undefined;
  snapshot: SiteSnapshot;
  voltageV: number;
  planning: PlanningSettings;
}): { help: boolean; memory: PlanMemory; detail: string } {
  const { cfg, target, live, snapshot, voltageV, planning } = args;
  const nowMs = snapshot.nowMs;
  const { baseEnergyWh, remainingWh } = energyTowards(target, live, args.memory, planning);
  const memory: PlanMemory = { setAtMs: target.setAtMs, baseEnergyWh, plannedAtMs: nowMs };
  const forecast = snapshot.surplusForecast;
  if (forecast === undefined || remainingWh <= 0 || nowMs >= target.departureAtMs) return { help: false, memory, detail: '' };
  const { minPowerW, maxPowerW } = chargerPowerRangeW(cfg, voltageV);
  let sunWh = 0;
  for (const slot of forecast) {
    const hours = Math.max(0, Math.min(slot.endMs, target.departureAtMs) - Math.max(slot.startMs, nowMs)) / 3_600_000;
    if (hours > 0 && slot.powerW >= minPowerW) sunWh += Math.min(slot.powerW, maxPowerW) * hours;
  }
  const help = sunWh * planning.efficiency < remainingWh;
  return { help, memory, detail: help
    ? `the forecast sun brings ${(sunWh / 1000).toFixed(1)} of the ${(remainingWh / 1000).toFixed(1)} kWh still missing by ${clockTime(target.departureAtMs)}: charging at the minimum on half its power of surplus`
    : '' };
}

/**
 * The car's own ceiling, W: set when it draws clearly below a settled limit, raised when it is seen drawing more.
 * Current changes of a few tenths are noise; only a whole amp below the limit counts.
 */
function observedCarMaxW(knownW: number | undefined, live: ChargerState, settledLimitA: number | undefined, phases: 1 | 3,
  voltageV: number): number | undefined {
  const currents = live.phaseCurrentsA;
  if (currents === undefined || currents.length === 0) return knownW;
  const drawnA = Math.max(...currents);
  const drawnW = drawnA * phases * voltageV;
  if (knownW !== undefined && drawnW > knownW + CAR_LIMITED_MARGIN_A * phases * voltageV) return undefined;
  if (settledLimitA === undefined || drawnA <= 0 || drawnA >= settledLimitA - CAR_LIMITED_MARGIN_A) return knownW;
  return Math.round(Math.max(drawnW, knownW ?? 0));
}

/** UTC time of day, for decision details (the dashboard shows local times from the numbers). */
function clockTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/** What a car said it needs (OCPP 2.0.1 NotifyEVChargingNeeds), in Sunplug units. */
export interface VehicleNeeds {
  departureAtMs?: number;
  energyAmountWh?: number;
  socPct?: number;
  receivedAtMs: number;
}

/**
 * The target plan mode works to: the homeowner's plan when set, else the car's own needs when it gave both a
 * departure time and an energy amount, else none.
 */
export function effectivePlanTarget(user: Omit<ChargerPlanTarget, 'source'> | undefined, vehicle: VehicleNeeds | undefined): ChargerPlanTarget | undefined {
  if (user !== undefined) return { ...user, source: 'user' };
  if (vehicle?.departureAtMs === undefined || vehicle.energyAmountWh === undefined) return undefined;
  return {
    departureAtMs: vehicle.departureAtMs, energyWh: vehicle.energyAmountWh, source: 'vehicle', setAtMs: vehicle.receivedAtMs,
    ...(vehicle.socPct !== undefined ? { vehicleSocPct: vehicle.socPct } : {}),
  };
}
