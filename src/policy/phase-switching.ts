import type { ChargerState } from '../domain/charger-state.ts';
import type { ChargerPolicySettings } from './policy-settings.ts';

/**
 * 1-phase/3-phase switching for chargers that can (config `phaseSwitching`). Pure. A 3-phase car needs
 * 6 A x 3 x 230 V = 4.14 kW to charge at all; on one phase it starts at 1.38 kW. In solar and minsolar mode the charger
 * goes down to 1 phase after the surplus has stayed below the 3-phase minimum (and at or above the 1-phase minimum)
 * for PHASE_DOWN_DELAY_MS, and back up after it has stayed at or above the 3-phase minimum for PHASE_UP_DELAY_MS
 * (longer: a switch costs a pause, and a cloud gap should not bounce the car). The other modes run on 3 phases.
 * A car that is drawing is paused for PHASE_SWITCH_PAUSE_MS around the switch: IEC 61851 cars must not see their
 * phases change under load, and chargers switch their contactors only at 0 A.
 */

export const PHASE_DOWN_DELAY_MS = 60_000;
export const PHASE_UP_DELAY_MS = 180_000;
export const PHASE_SWITCH_PAUSE_MS = 30_000;

export interface PhaseSwitchState {
  /** Phases in use now. */
  active: 1 | 3;
  /** A switch under way: to these phases, at `untilMs` (the pause ends). */
  switchingTo?: 1 | 3;
  untilMs?: number;
  /** The condition for a switch to these phases has held since `sinceMs`. */
  candidate?: 1 | 3;
  sinceMs?: number;
}

/** Phases the charger uses in this tick (a finished switch takes effect here). */
export function activePhases(cfg: ChargerPolicySettings, state: PhaseSwitchState | undefined, nowMs: number): 1 | 3 {
  if (!cfg.phaseSwitching || cfg.phases !== 3 || state === undefined) return cfg.phases;
  if (state.switchingTo !== undefined && state.untilMs !== undefined && nowMs >= state.untilMs) return state.switchingTo;
  return state.active;
}

export interface PhaseStep {
  state: PhaseSwitchState;
  /** The charger pauses for a switch now. */
  pausing: boolean;
  detail: string;
}

/**
 * One tick of the switching logic for a 3-phase charger that can switch. `availableW` is the surplus the car could
 * use (its own draw included); `solarMode` is true in solar and minsolar mode.
 */
export function stepPhases(cfg: ChargerPolicySettings, previous: PhaseSwitchState | undefined, availableW: number, live: ChargerState,
  solarMode: boolean, nowMs: number, voltageV: number): PhaseStep {
  const active = activePhases(cfg, previous, nowMs);
  const switching = previous?.switchingTo !== undefined && previous.untilMs !== undefined && nowMs < previous.untilMs;
  if (switching) {
    const waitS = Math.ceil((previous!.untilMs! - nowMs) / 1000);
    return { state: previous!, pausing: true, detail: `switching to ${previous!.switchingTo} phase${previous!.switchingTo === 3 ? 's' : ''}: paused for ${waitS} s` };
  }
  const min3W = cfg.minCurrentA * 3 * voltageV;
  const min1W = cfg.minCurrentA * voltageV;
  const wanted: 1 | 3 = !solarMode ? 3 : active === 3 ? (availableW < min3W && availableW >= min1W ? 1 : 3) : (availableW >= min3W ? 3 : 1);
  if (wanted === active) return { state: { active }, pausing: false, detail: '' };
  const sinceMs = previous?.candidate === wanted && previous.sinceMs !== undefined ? previous.sinceMs : nowMs;
  const delayMs = !solarMode ? 0 : wanted === 1 ? PHASE_DOWN_DELAY_MS : PHASE_UP_DELAY_MS;
  if (nowMs - sinceMs < delayMs) return { state: { active, candidate: wanted, sinceMs }, pausing: false, detail: '' };
  const kW = (availableW / 1000).toFixed(2);
  const why = !solarMode ? 'full power needs 3 phases' : wanted === 1
    ? `surplus ${kW} kW is below the 3-phase minimum of ${(min3W / 1000).toFixed(2)} kW` : `surplus ${kW} kW allows 3 phases`;
  if (live.powerW <= 0) return { state: { active: wanted }, pausing: false, detail: `${why}: switched to ${wanted} phase${wanted === 3 ? 's' : ''}` };
  return { state: { active, switchingTo: wanted, untilMs: nowMs + PHASE_SWITCH_PAUSE_MS }, pausing: true,
    detail: `${why}: pausing ${PHASE_SWITCH_PAUSE_MS / 1000} s to switch to ${wanted} phase${wanted === 3 ? 's' : ''}` };
}
