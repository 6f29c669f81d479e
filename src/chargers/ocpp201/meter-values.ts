import type { MeterValue, SampledValue } from '../ocpp16/messages.ts';
import { parseMeterValues, type MeterSample } from '../ocpp16/meter-values.ts';
import type { MeterValue201, SampledValue201 } from './messages.ts';

/**
 * OCPP 2.0.1 meter values mean the same as 1.6 ones (same measurands, phases, locations, units); only the encoding
 * differs: the value is a JSON number, and the unit sits in `unitOfMeasure` with a power-of-ten `multiplier`. So each
 * sampled value is rewritten into the 1.6 shape, scaled, and read by the one parser both versions share: per-phase
 * sums, Outlet-over-Inlet and unit factors then behave identically for both.
 */
export function parseMeterValues201(meterValues: readonly MeterValue201[], onSkip: (why: string) => void = () => {}): MeterSample[] {
  const normalised: MeterValue[] = meterValues.map((meterValue) => ({
    timestamp: meterValue.timestamp,
    sampledValue: meterValue.sampledValue.flatMap((sampled) => {
      const converted = toOcpp16(sampled);
      if (converted === undefined) onSkip(`${sampled.measurand ?? 'energy'}: unusable value ${JSON.stringify(sampled.value)}`);
      return converted === undefined ? [] : [converted];
    }),
  }));
  return parseMeterValues(normalised, onSkip);
}

function toOcpp16(sampled: SampledValue201): SampledValue | undefined {
  const raw = typeof sampled.value === 'number' ? sampled.value : Number(sampled.value);
  if (typeof sampled.value === 'string' && sampled.value.trim() === '') return undefined;
  if (!Number.isFinite(raw)) return undefined;
  const multiplier = sampled.unitOfMeasure?.multiplier ?? 0;
  // 10^m as a division for negative m keeps 1234 × 10^-3 at 1.234 instead of 1.2340000000000002.
  const scaled = multiplier >= 0 ? raw * 10 ** multiplier : raw / 10 ** -multiplier;
  const converted: SampledValue = { value: String(scaled) };
  if (sampled.measurand !== undefined) converted.measurand = sampled.measurand;
  if (sampled.phase !== undefined) converted.phase = sampled.phase;
  if (sampled.location !== undefined) converted.location = sampled.location;
  if (sampled.context !== undefined) converted.context = sampled.context;
  // The 2.0.1 schema's default unit is 'Wh' for every measurand, which is wrong for currents and voltages; an absent
  // unit is left absent so that the parser applies the measurand's own default (A, V, W, Percent).
  if (sampled.unitOfMeasure?.unit !== undefined) converted.unit = sampled.unitOfMeasure.unit;
  return converted;
}
