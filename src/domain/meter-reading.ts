/**
 * One reading from a meter, inverter or battery, normalised to Sunplug's sign convention:
 * - grid `powerW > 0` is import from the grid, `< 0` is export;
 * - PV `powerW >= 0` is production;
 * - battery `powerW > 0` is discharge (power into the home), `< 0` is charging;
 * - per-phase currents carry the same sign as the per-phase power.
 * `atMs` is when the device was read (the injected clock), never when the value was used.
 */
export interface MeterReading {
  atMs: number;
  powerW: number;
  phaseCurrentsA?: PhaseValues;
  phasePowersW?: PhaseValues;
  phaseVoltagesV?: PhaseValues;
  importEnergyWh?: number;
  exportEnergyWh?: number;
  socPct?: number;
}

/** Values on L1, L2, L3 of the site's grid connection. */
export type PhaseValues = readonly [number, number, number];

export type MeterRole = 'grid' | 'pv' | 'battery';

export function ageMs(reading: MeterReading | undefined, nowMs: number): number {
  return reading === undefined ? Number.POSITIVE_INFINITY : nowMs - reading.atMs;
}
