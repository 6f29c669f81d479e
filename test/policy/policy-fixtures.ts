import type { ChargerState } from '../../src/domain/charger-state.ts';
import type { MeterReading } from '../../src/domain/meter-reading.ts';
import type { ChargerPolicySettings, PolicySettings } from '../../src/policy/policy-settings.ts';

export const T0 = Date.UTC(2026, 5, 21, 10, 0, 0);

export function settings(chargers: Partial<ChargerPolicySettings>[] = [{}], overrides: Partial<PolicySettings['site']> = {}): PolicySettings {
  return {
    site: { voltageV: 230, phases: 3, mainFuseA: 25, safetyMarginA: 1, safeCurrentA: 6, gridMaxAgeMs: 10_000, chargerSettleMs: 8_000, ...overrides },
    chargers: chargers.map((c, i) => ({ id: `c${i + 1}`, mode: 'solar', minCurrentA: 6, maxCurrentA: 16, phases: 3, priority: 0, ...c })),
    solar: { enableDelayMs: 60_000, disableDelayMs: 180_000, enableThresholdW: 0, disableThresholdW: 0, cadenceMs: 5_000 },
  };
}

export function grid(atMs: number, powerW: number, phaseCurrentsA?: [number, number, number]): MeterReading {
  return phaseCurrentsA ? { atMs, powerW, phaseCurrentsA } : { atMs, powerW };
}

/** A connected charger with a car, drawing `currentA` on `phases` phases at 230 V, measured at `atMs`. */
export function charger(id: string, atMs: number, currentA: number, phases: 1 | 3 = 3, vehicle = true): ChargerState {
  return {
    id, connected: true, status: currentA > 0 ? 'charging' : vehicle ? 'suspended-evse' : 'available',
    vehicleConnected: vehicle, powerW: currentA * phases * 230,
    phaseCurrentsA: phases === 3 ? [currentA, currentA, currentA] : [currentA], measuredAtMs: atMs,
  };
}
