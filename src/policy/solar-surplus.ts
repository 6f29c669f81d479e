import type { SiteSnapshot } from '../domain/site-snapshot.ts';
import type { Reason } from '../domain/reason.ts';
import { currentForPowerA } from '../domain/electrical.ts';
import type { BatteryPolicySettings, ChargerPolicySettings, SolarPolicySettings } from './policy-settings.ts';

/**
 * Power the cars could take from the sun right now, W: what the chargers draw plus what goes to the grid.
 * The home battery: a discharging battery is not surplus (the car must not drain it), except that above the buffer
 * state of charge it may carry charging cars at their minimum (`bufferW`); a charging battery keeps its share below
 * the priority state of charge (it fills first) and gives it to the cars above it.
 * `battery` is the fresh battery reading, or undefined.
 */
export function availableSolarPowerW(
  snapshot: SiteSnapshot,
  gridPowerW: number,
  battery?: { powerW: number; socPct?: number },
  settings?: BatteryPolicySettings,
  bufferW = 0,
): number {
  const chargersW = snapshot.chargers.reduce((sum, c) => sum + (c.connected ? c.powerW : 0), 0);
  const dischargeW = Math.max(0, battery?.powerW ?? 0);
  const chargeW = Math.max(0, -(battery?.powerW ?? 0));
  const socPct = battery?.socPct;
  let surplusW = chargersW - gridPowerW - dischargeW;
  if (settings !== undefined && socPct !== undefined) {
    if (socPct >= settings.prioritySocPct) surplusW += chargeW;
    if (socPct >= settings.bufferSocPct) surplusW += Math.min(dischargeW, bufferW);
  }
  return surplusW;
}

/**
 * The minsolar step: the minimum current always, the surplus when it is more. No start or stop timers: the car
 * never pauses, so there is nothing to debounce.
 */
export function stepMinSolar(surplusW: number, nowMs: number, charger: ChargerPolicySettings, voltageV: number): SolarStep {
  const surplusA = currentForPowerA(surplusW, charger.phases, voltageV);
  const targetA = clampA(surplusA, charger);
  const kW = (surplusW / 1000).toFixed(2);
  return surplusA >= charger.minCurrentA
    ? { state: { enabled: true, targetA, decidedAtMs: nowMs }, targetA, reason: 'solar-surplus', detail: `minsolar: surplus ${kW} kW` }
    : { state: { enabled: true, targetA, decidedAtMs: nowMs }, targetA, reason: 'min-current',
      detail: `minsolar: surplus ${kW} kW, holding the ${charger.minCurrentA} A minimum` };
}

/** Hysteresis state of one charger in solar mode. Timers hold the time they started, or undefined. */
export interface SolarChargerState {
  enabled: boolean;
  enableSinceMs?: number;
  disableSinceMs?: number;
  targetA: number;
  decidedAtMs?: number;
}

export const IDLE_SOLAR_STATE: SolarChargerState = { enabled: false, targetA: 0 };

export interface SolarStep {
  state: SolarChargerState;
  targetA: number;
  reason: Reason;
  detail: string;
}

/**
 * One solar decision for one charger, given the surplus power assigned to it. Starts after `enableDelayMs` of
 * enough surplus for the minimum current, follows the surplus while enabled, holds the minimum current while the
 * surplus dips and stops only after `disableDelayMs` without enough.
 */
export function stepSolar(
  previous: SolarChargerState,
  surplusW: number,
  nowMs: number,
  charger: ChargerPolicySettings,
  solar: SolarPolicySettings,
  voltageV: number,
): SolarStep {
  const surplusA = currentForPowerA(surplusW, charger.phases, voltageV);
  const kW = (surplusW / 1000).toFixed(2);
  if (!previous.enabled) {
    const startA = charger.minCurrentA + currentForPowerA(solar.enableThresholdW, charger.phases, voltageV);
    if (surplusA < startA) {
      return { state: { ...IDLE_SOLAR_STATE, decidedAtMs: nowMs }, targetA: 0, reason: 'solar-insufficient',
        detail: `surplus ${kW} kW is below the ${charger.minCurrentA} A minimum` };
    }
    const since = previous.enableSinceMs ?? nowMs;
    if (nowMs - since < solar.enableDelayMs) {
      const waitS = Math.ceil((solar.enableDelayMs - (nowMs - since)) / 1000);
      return { state: { ...IDLE_SOLAR_STATE, enableSinceMs: since, decidedAtMs: nowMs }, targetA: 0,
        reason: 'solar-waiting', detail: `surplus ${kW} kW; starting in ${waitS} s if it holds` };
    }
    const targetA = clampA(surplusA, charger);
    return { state: { enabled: true, targetA, decidedAtMs: nowMs }, targetA, reason: 'solar-surplus',
      detail: `surplus ${kW} kW held for ${solar.enableDelayMs / 1000} s: starting` };
  }
  if (surplusA >= charger.minCurrentA) {
    const targetA = clampA(surplusA, charger);
    return { state: { enabled: true, targetA, decidedAtMs: nowMs }, targetA, reason: 'solar-surplus',
      detail: `surplus ${kW} kW` };
  }
  const importAtMinW = -(surplusW - charger.minCurrentA * charger.phases * voltageV);
  if (importAtMinW <= solar.disableThresholdW) {
    return { state: { enabled: true, targetA: charger.minCurrentA, decidedAtMs: nowMs }, targetA: charger.minCurrentA,
      reason: 'min-current', detail: `surplus ${kW} kW: holding the minimum current` };
  }
  const since = previous.disableSinceMs ?? nowMs;
  if (nowMs - since < solar.disableDelayMs) {
    const waitS = Math.ceil((solar.disableDelayMs - (nowMs - since)) / 1000);
    return { state: { enabled: true, disableSinceMs: since, targetA: charger.minCurrentA, decidedAtMs: nowMs },
      targetA: charger.minCurrentA, reason: 'min-current',
      detail: `surplus ${kW} kW is short of the minimum; stopping in ${waitS} s unless the sun returns` };
  }
  return { state: { ...IDLE_SOLAR_STATE, decidedAtMs: nowMs }, targetA: 0, reason: 'solar-insufficient',
    detail: `surplus ${kW} kW stayed short for ${solar.disableDelayMs / 1000} s: paused` };
}

function clampA(currentA: number, charger: ChargerPolicySettings): number {
  return Math.min(charger.maxCurrentA, Math.max(charger.minCurrentA, currentA));
}
