import type { ChargerState } from './charger-state.ts';
import type { MeterReading } from './meter-reading.ts';

/** A price that holds from `startMs` to `endMs`, in the site currency per kWh. */
export interface PricePeriod {
  startMs: number;
  endMs: number;
  pricePerKWh: number;
}

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
  /** Known grid import prices from now on (gaps where unknown); absent without a tariff. */
  prices?: readonly PricePeriod[];
  /** Known feed-in prices from now on: what the sun's energy would earn if exported (plan mode). */
  feedInPrices?: readonly PricePeriod[];
  /** Expected solar surplus (PV forecast minus the home's expected load) from now on, W per period (plan mode). */
  surplusForecast?: readonly { startMs: number; endMs: number; powerW: number }[];
}
