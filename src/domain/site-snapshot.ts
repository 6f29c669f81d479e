import type { ChargerState } from './charger-state.ts';
import type { MeterReading } from './meter-reading.ts';

/**
 * The latest readings the control loop hands to `decide()`. Each reading keeps its own timestamp so that the
 * policy can judge freshness; a reading that never arrived is `undefined`.
 */
export interface SiteSnapshot {
  nowMs: number;
  grid?: MeterReading;
  pv?: MeterReading;
  battery?: MeterReading;
  chargers: readonly ChargerState[];
}
