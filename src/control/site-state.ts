import type { ChargeMode, ChargerState, ChargerStatus } from '../domain/charger-state.ts';
import type { MeterReading, PhaseValues } from '../domain/meter-reading.ts';
import { describeReason, type Reason } from '../domain/reason.ts';
import type { MeterHealth } from '../devices/meter-poller.ts';
import type { PlanView } from '../policy/plan-mode.ts';
import type { PlanStatus } from '../policy/planner.ts';
import type { ChargerPlanTarget } from '../policy/policy-settings.ts';
import type { TickResult } from './control-loop.ts';

/**
 * The state of the site as everyone outside sees it: the HTTP API, the dashboard and Home Assistant all project this
 * one model, so they can never disagree. Values that are unknown are null, never a stale number.
 */
export interface SiteStateView {
  version: 1;
  atMs: number;
  demo: boolean;
  site: {
    name: string;
    timezone: string;
    voltageV: number;
    phases: number;
    mainFuseA: number;
    gridPowerW: number | null;
    gridCurrentsA: PhaseValues | null;
    gridStale: boolean;
    pvPowerW: number | null;
    batteryPowerW: number | null;
    batterySocPct: number | null;
    /** Household consumption without the chargers: grid + PV + battery − chargers, W, never negative. */
    homePowerW: number | null;
    /** Grid import price now, site currency per kWh; null without a tariff or when unknown. */
    priceNowPerKWh: number | null;
    currency: string | null;
    /** ok, stale (cached prices still cover now) or unavailable; null without a tariff. */
    priceStatus: 'ok' | 'stale' | 'unavailable' | null;
  };
  chargers: ChargerView[];
  meters: MeterHealth[];
}

export interface ChargerView {
  id: string;
  name: string;
  connected: boolean;
  status: ChargerStatus;
  vehicleConnected: boolean;
  mode: ChargeMode;
  phases: number;
  maxCurrentA: number;
  powerW: number;
  /** Highest measured phase current, A. */
  currentA: number | null;
  offeredCurrentA: number | null;
  /** Limit last written to the charger, A. */
  limitA: number | null;
  /** Limit the policy wants now, A (may wait for the write rate limit). */
  targetA: number | null;
  reason: Reason | null;
  reasonText: string | null;
  detail: string | null;
  sessionEnergyWh: number | null;
  /** The target plan mode works to (the homeowner's, else the car's own), with how it stands; null without one. */
  plan: ChargerPlanView | null;
  /** A recent security event of the charger that needs the homeowner's attention (tampering, failed checks); else null. */
  securityWarning: string | null;
}

export interface ChargerPlanView {
  departureAtMs: number;
  energyWh: number | null;
  socPercent: number | null;
  source: 'user' | 'vehicle';
  /** done, planned, solar-only, no-prices, too-late, departed; null until the charger is in plan mode with a car. */
  status: PlanStatus | null;
  expectedFinishAtMs: number | null;
  nextStartAtMs: number | null;
  /** Battery energy still to add, Wh. */
  remainingWh: number | null;
}

export interface SiteStateInputs {
  nowMs: number;
  demo: boolean;
  site: { name: string; timezone: string; voltageV: number; phases: number; mainFuseA: number; gridMaxAgeMs: number };
  chargers: readonly { id: string; name?: string; mode: ChargeMode; phases: number; maxCurrentA: number; state?: ChargerState; writtenA?: number;
    plan?: ChargerPlanTarget; securityWarning?: string | undefined }[];
  readings: { grid?: MeterReading; pv?: MeterReading; battery?: MeterReading };
  meters: MeterHealth[];
  lastTick?: TickResult;
  tariff?: { currency: string | undefined; priceNowPerKWh: number | undefined; status: 'ok' | 'stale' | 'unavailable' };
}

export function buildSiteState(input: SiteStateInputs): SiteStateView {
  const { nowMs, readings } = input;
  const fresh = (r: MeterReading | undefined): MeterReading | undefined =>
    r !== undefined && nowMs - r.atMs <= input.site.gridMaxAgeMs ? r : undefined;
  const grid = fresh(readings.grid);
  const pv = fresh(readings.pv);
  const battery = fresh(readings.battery);
  const chargersW = input.chargers.reduce((sum, c) => sum + (c.state?.connected ? c.state.powerW : 0), 0);
  const homePowerW = grid === undefined ? null
    : Math.max(0, grid.powerW + (pv?.powerW ?? 0) + (battery?.powerW ?? 0) - chargersW);
  return {
    version: 1,
    atMs: nowMs,
    demo: input.demo,
    site: {
      name: input.site.name,
      timezone: input.site.timezone,
      voltageV: input.site.voltageV,
      phases: input.site.phases,
      mainFuseA: input.site.mainFuseA,
      gridPowerW: grid?.powerW ?? null,
      gridCurrentsA: grid?.phaseCurrentsA ?? null,
      gridStale: grid === undefined,
      pvPowerW: pv?.powerW ?? null,
      batteryPowerW: battery?.powerW ?? null,
      batterySocPct: battery?.socPct ?? null,
      homePowerW,
      priceNowPerKWh: input.tariff?.priceNowPerKWh ?? null,
      currency: input.tariff?.currency ?? null,
      priceStatus: input.tariff?.status ?? null,
    },
    chargers: input.chargers.map((c) => chargerView(c, input.lastTick)),
    meters: input.meters,
  };
}

function chargerView(c: SiteStateInputs['chargers'][number], tick: TickResult | undefined): ChargerView {
  const state = c.state;
  const limit = tick?.decision.limits.find((l) => l.chargerId === c.id);
  const note = tick?.decision.reasons.find((r) => r.chargerId === c.id);
  const connected = state?.connected ?? false;
  const reason = connected ? (note?.reason ?? null) : 'charger-offline';
  const currents = state?.phaseCurrentsA;
  return {
    id: c.id,
    name: c.name ?? c.id,
    connected,
    status: connected ? state!.status : 'offline',
    vehicleConnected: connected && state!.vehicleConnected,
    mode: c.mode,
    phases: c.phases,
    maxCurrentA: c.maxCurrentA,
    powerW: connected ? state!.powerW : 0,
    currentA: connected && currents && currents.length > 0 ? Math.max(...currents) : null,
    offeredCurrentA: connected ? (state!.offeredCurrentA ?? null) : null,
    limitA: c.writtenA ?? null,
    targetA: limit?.currentA ?? null,
    reason,
    reasonText: reason === null ? null : describeReason(reason),
    detail: connected ? (note?.detail ?? null) : 'no OCPP connection',
    sessionEnergyWh: connected ? (state!.sessionEnergyWh ?? null) : null,
    plan: planView(c.plan, tick?.decision.plans?.[c.id]),
    securityWarning: c.securityWarning ?? null,
  };
}

function planView(target: ChargerPlanTarget | undefined, standing: PlanView | undefined): ChargerPlanView | null {
  if (target === undefined) return null;
  return {
    departureAtMs: target.departureAtMs,
    energyWh: target.energyWh ?? null,
    socPercent: target.socPercent ?? null,
    source: target.source,
    status: standing?.status ?? null,
    expectedFinishAtMs: standing?.expectedFinishAtMs ?? null,
    nextStartAtMs: standing?.nextStartAtMs ?? null,
    remainingWh: standing?.remainingWh ?? null,
  };
}
