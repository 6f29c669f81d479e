import type { SampledValue } from '../chargers/ocpp16/messages.ts';

/** SIMULATOR: what the simulated wallbox meter reads at one moment. */
export interface MeterReadout {
  /** Import register, Wh. */
  energyWh: number;
  powerW: number;
  offeredCurrentA: number;
  /** Per wallbox phase L1..L3, A. */
  phaseCurrentsA: readonly number[];
  /** Phase-to-neutral, V. */
  voltageV: number;
  socPct?: number;
}

/** The 1.6 sampledValue list for the configured measurands (MeterValuesSampledData), in the order configured. */
export function sampledValues(measurands: readonly string[], context: string, readout: MeterReadout): SampledValue[] {
  const values: SampledValue[] = [];
  for (const measurand of measurands) {
    const base = { context, measurand, location: 'Outlet' };
    if (measurand === 'Energy.Active.Import.Register') values.push({ ...base, value: String(Math.round(readout.energyWh)), unit: 'Wh' });
    if (measurand === 'Power.Active.Import') values.push({ ...base, value: readout.powerW.toFixed(0), unit: 'W' });
    if (measurand === 'Current.Offered') values.push({ ...base, value: readout.offeredCurrentA.toFixed(1), unit: 'A' });
    if (measurand === 'Current.Import') {
      readout.phaseCurrentsA.forEach((currentA, i) => values.push({ ...base, phase: `L${i + 1}`, value: currentA.toFixed(1), unit: 'A' }));
    }
    if (measurand === 'Voltage') {
      readout.phaseCurrentsA.forEach((_, i) => values.push({ ...base, phase: `L${i + 1}-N`, value: readout.voltageV.toFixed(1), unit: 'V' }));
    }
    if (measurand === 'SoC' && readout.socPct !== undefined) {
      values.push({ ...base, location: 'EV', value: readout.socPct.toFixed(0), unit: 'Percent' });
    }
  }
  return values;
}
