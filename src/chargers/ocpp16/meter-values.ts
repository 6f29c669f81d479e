import { parseIsoTime, type MeterValue, type SampledValue } from './messages.ts';

/** One timestamped measurement from a 1.6 MeterValue, normalised to Sunplug units. Absent fields were not reported. */
export interface MeterSample {
  atMs: number;
  /** Energy.Active.Import.Register, Wh. */
  energyWh?: number;
  /** Power.Active.Import, total over phases, W. */
  powerW?: number;
  /** Current.Import per charger phase L1..L3, A. A single element when the charger reports no phase. */
  phaseCurrentsA?: number[];
  /** Current.Offered per phase, A. */
  offeredCurrentA?: number;
  /** Voltage, mean of the phase-to-neutral values, V. */
  voltageV?: number;
  socPct?: number;
}

/** Scale to Sunplug's base units; 1.6 allows kW/kWh next to W/Wh. An unknown unit makes the value unusable. */
const UNIT_FACTORS: Record<string, Record<string, number>> = {
  'Energy.Active.Import.Register': { Wh: 1, kWh: 1000 },
  'Power.Active.Import': { W: 1, kW: 1000 },
  'Current.Import': { A: 1 },
  'Current.Offered': { A: 1 },
  Voltage: { V: 1 },
  SoC: { Percent: 1 },
};

const DEFAULT_UNITS: Record<string, string> = {
  'Energy.Active.Import.Register': 'Wh',
  'Power.Active.Import': 'W',
  'Current.Import': 'A',
  'Current.Offered': 'A',
  Voltage: 'V',
  SoC: 'Percent',
};

interface Reading {
  /** 1..3 for L1..L3 (also 'L1-N'), undefined for a total. */
  phase?: number;
  value: number;
}

/**
 * Parses MeterValue entries into samples sorted by time. Values that cannot be used (unknown unit, not a number,
 * signed data, line-to-line or neutral phases) are skipped and reported through `onSkip`, never thrown.
 */
export function parseMeterValues(meterValues: readonly MeterValue[], onSkip: (why: string) => void = () => {}): MeterSample[] {
  const samples: MeterSample[] = [];
  for (const meterValue of meterValues) {
    const atMs = parseIsoTime(meterValue.timestamp);
    if (atMs === undefined) {
      onSkip(`unparsable timestamp ${JSON.stringify(meterValue.timestamp)}`);
      continue;
    }
    const byMeasurand = groupReadings(meterValue.sampledValue, onSkip);
    const sample: MeterSample = { atMs };
    const energy = byMeasurand.get('Energy.Active.Import.Register');
    if (energy) sample.energyWh = totalOrSum(energy);
    const power = byMeasurand.get('Power.Active.Import');
    if (power) sample.powerW = totalOrSum(power);
    const current = byMeasurand.get('Current.Import');
    if (current) sample.phaseCurrentsA = perPhase(current);
    const offered = byMeasurand.get('Current.Offered');
    if (offered) sample.offeredCurrentA = totalOr(offered, (values) => Math.max(...values));
    const voltage = byMeasurand.get('Voltage');
    if (voltage) sample.voltageV = totalOr(voltage, (values) => values.reduce((a, b) => a + b, 0) / values.length);
    const soc = byMeasurand.get('SoC');
    if (soc) sample.socPct = totalOr(soc, (values) => values[0] ?? 0);
    samples.push(sample);
  }
  return samples.sort((a, b) => a.atMs - b.atMs);
}

function groupReadings(sampledValues: readonly SampledValue[], onSkip: (why: string) => void): Map<string, Reading[]> {
  // When a charger reports both the grid side (Inlet) and the car side (Outlet), use the Outlet only, so per-phase
  // sums never count the same current twice.
  const preferred = sampledValues.some((sv) => sv.location === 'Outlet')
    ? sampledValues.filter((sv) => sv.location === undefined || sv.location === 'Outlet' || sv.location === 'EV')
    : sampledValues;
  const groups = new Map<string, Reading[]>();
  for (const sv of preferred) {
    if (sv.format === 'SignedData') continue;
    const measurand = sv.measurand ?? 'Energy.Active.Import.Register';
    const factors = UNIT_FACTORS[measurand];
    if (factors === undefined) continue; // a measurand Sunplug does not use
    const unit = sv.unit ?? DEFAULT_UNITS[measurand] ?? '';
    const factor = factors[unit];
    const raw = Number(sv.value);
    if (factor === undefined || sv.value.trim() === '' || !Number.isFinite(raw)) {
      onSkip(`${measurand}: unusable value ${JSON.stringify(sv.value)} ${unit}`);
      continue;
    }
    const phase = phaseIndex(sv.phase);
    if (phase === null) continue; // neutral or line-to-line: not a per-phase import value
    const readings = groups.get(measurand) ?? [];
    readings.push(phase === undefined ? { value: raw * factor } : { phase, value: raw * factor });
    groups.set(measurand, readings);
  }
  return groups;
}

/** 1..3 for L1..L3 or L1-N..L3-N, undefined for no phase, null for a phase we do not use (N, L1-L2, ...). */
function phaseIndex(phase: string | undefined): number | undefined | null {
  if (phase === undefined) return undefined;
  const match = /^L([123])(-N)?$/.exec(phase);
  return match ? Number(match[1]) : null;
}

function totalOr(readings: readonly Reading[], combine: (values: number[]) => number): number {
  const total = [...readings].reverse().find((r) => r.phase === undefined);
  return total ? total.value : combine(readings.map((r) => r.value));
}

function totalOrSum(readings: readonly Reading[]): number {
  return totalOr(readings, (values) => values.reduce((a, b) => a + b, 0));
}

function perPhase(readings: readonly Reading[]): number[] {
  const phased = readings.filter((r) => r.phase !== undefined);
  if (phased.length === 0) return [readings[readings.length - 1]?.value ?? 0];
  const currents = [0, 0, 0].slice(0, Math.max(...phased.map((r) => r.phase ?? 1)));
  for (const r of phased) currents[(r.phase ?? 1) - 1] = r.value;
  return currents;
}
