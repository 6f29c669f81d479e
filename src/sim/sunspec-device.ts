/**
 * A SunSpec register image for simulated devices: "SunS" at the base address (40000), the common model 1, the
 * given models, then the end marker 0xFFFF. Layouts come from the model definitions and values go through the
 * point codec, so the image is laid out exactly as the reader expects; the reader's tests check it against
 * independent peers (pymodbus, mbpoll) so that the two cannot agree on the same mistake.
 *
 * `set` takes scaled values (230.1 V, 4200 W). The image holds the scale factors: it starts each at a default that
 * suits its units and, when a value does not fit its register at the current factor, raises the factor and
 * re-encodes every point sharing it, as a real device with auto-ranging would.
 */
import { ModelCatalog, instantiateModel, type ModelLayout, type PointLayout } from '../devices/sunspec/model-definitions.ts';
import { decodePoint, encodePoint, isValidScaleFactor, toRawScaled, type PointValue } from '../devices/sunspec/point-codec.ts';
import { SUNSPEC_END_MODEL_ID, SUNSPEC_MARKER } from '../devices/sunspec/discovery.ts';
import type { RegisterBank } from './modbus-server.ts';

export interface CommonInfo {
  manufacturer: string;
  model: string;
  serial: string;
  version?: string;
}

export interface SunSpecModelSpec {
  id: number;
  /** L; defaults to the model's fixed length (set it for models with repeating groups, e.g. 160). */
  length?: number;
}

export interface SunSpecDeviceImageOptions {
  common: CommonInfo;
  models: readonly (number | SunSpecModelSpec)[];
  baseAddress?: number;
  catalog?: ModelCatalog;
}

interface PlacedModel {
  layout: ModelLayout;
  /** Register address of the model's ID. */
  address: number;
}

/** Scale factors a fresh image starts with, by the units of the points they scale (0.01 A, 0.1 V, 0.01 Hz). */
const DEFAULT_SF_BY_UNITS: Record<string, number> = { A: -2, V: -1, Hz: -2, Pct: -2, Ah: -1, C: -1 };

export class SunSpecDeviceImage implements RegisterBank {
  readonly baseAddress: number;
  private readonly registers: number[];
  private readonly models = new Map<number, PlacedModel>();
  /** Scaled values as set, kept to re-encode points when their scale factor changes. */
  private readonly values = new Map<string, number>();

  constructor(options: SunSpecDeviceImageOptions) {
    const catalog = options.catalog ?? new ModelCatalog();
    this.baseAddress = options.baseAddress ?? 40000;
    this.registers = [...SUNSPEC_MARKER];
    const specs = [{ id: 1 }, ...options.models.map((m) => (typeof m === 'number' ? { id: m } : m))];
    for (const spec of specs) {
      if (this.models.has(spec.id)) throw new Error(`model ${spec.id} appears twice; the image addresses models by id`);
      const definition = catalog.get(spec.id);
      const layout = instantiateModel(definition, spec.length ?? definition.fixedLength);
      const address = this.baseAddress + this.registers.length;
      this.registers.push(...new Array<number>(layout.length + 2).fill(0));
      this.models.set(spec.id, { layout, address });
      for (const point of layout.points) this.write(address, point, undefined);
      this.write(address, requirePoint(layout, 'ID'), spec.id);
      this.write(address, requirePoint(layout, 'L'), layout.length);
      for (const point of layout.points) {
        if (point.type === 'sunssf') this.write(address, point, defaultScaleFactor(layout, point.name));
      }
    }
    this.registers.push(SUNSPEC_END_MODEL_ID, 0);
    const { manufacturer, model, serial, version } = options.common;
    this.set(1, 'Mn', manufacturer);
    this.set(1, 'Md', model);
    this.set(1, 'SN', serial);
    if (version !== undefined) this.set(1, 'Vr', version);
  }

  read(address: number, count: number): readonly number[] | undefined {
    const start = address - this.baseAddress;
    if (start < 0 || count < 1 || start + count > this.registers.length) return undefined;
    return this.registers.slice(start, start + count);
  }

  /** Address of a model's ID register. */
  modelAddress(modelId: number): number {
    return this.placed(modelId).address;
  }

  /** Sets a point to a scaled value (strings as text); `undefined` writes "not implemented". */
  set(modelId: number, pointName: string, value: PointValue | undefined): void {
    const { layout, address } = this.placed(modelId);
    const point = requirePoint(layout, pointName);
    const key = `${modelId}.${pointName}`;
    if (typeof point.sf !== 'string' || typeof value !== 'number') {
      if (typeof point.sf === 'number' && typeof value === 'number') value = toRawScaled(value, point.sf);
      this.values.delete(key);
      this.write(address, point, value);
      return;
    }
    const sfPoint = requirePoint(layout, point.sf);
    let sf = this.scaleFactor(modelId, point.sf);
    while (!fits(point, toRawScaled(value, sf))) {
      if (!isValidScaleFactor(sf + 1)) throw new RangeError(`${key} = ${value} does not fit ${point.type} at any scale factor`);
      sf++;
    }
    this.values.set(key, value);
    if (sf !== this.scaleFactor(modelId, point.sf)) {
      this.write(address, sfPoint, sf);
      for (const other of layout.points) {
        const held = this.values.get(`${modelId}.${other.name}`);
        if (other.sf === point.sf && held !== undefined) this.write(address, other, toRawScaled(held, sf));
      }
    }
    this.write(address, point, toRawScaled(value, sf));
  }

  /** Fixes a scale factor, re-encoding the points it scales; refuses (changing nothing) if one would not fit. */
  setScaleFactor(modelId: number, sfName: string, sf: number | undefined): void {
    const { layout, address } = this.placed(modelId);
    const sfPoint = requirePoint(layout, sfName);
    const rewrites: [PointLayout, number][] = [];
    for (const point of layout.points) {
      const held = this.values.get(`${modelId}.${point.name}`);
      if (point.sf !== sfName || held === undefined || sf === undefined) continue;
      const raw = toRawScaled(held, sf);
      if (!fits(point, raw)) throw new RangeError(`${modelId}.${point.name} = ${held} does not fit ${point.type} at scale factor ${sf}`);
      rewrites.push([point, raw]);
    }
    this.write(address, sfPoint, sf);
    for (const [point, raw] of rewrites) this.write(address, point, raw);
  }

  /** Writes raw registers over a point, e.g. to simulate garbage or a sentinel. */
  setRaw(modelId: number, pointName: string, registers: readonly number[]): void {
    const { layout, address } = this.placed(modelId);
    const point = requirePoint(layout, pointName);
    if (registers.length !== point.size) throw new RangeError(`${pointName} takes ${point.size} registers`);
    this.registers.splice(address - this.baseAddress + point.offset, point.size, ...registers);
  }

  private scaleFactor(modelId: number, sfName: string): number {
    const { layout, address } = this.placed(modelId);
    const point = requirePoint(layout, sfName);
    const sf = decodePoint('sunssf', this.registers, address - this.baseAddress + point.offset);
    return typeof sf === 'number' ? sf : 0;
  }

  private write(address: number, point: PointLayout, value: PointValue | undefined): void {
    const words = encodePoint(point.type, value, point.size);
    this.registers.splice(address - this.baseAddress + point.offset, words.length, ...words);
  }

  private placed(modelId: number): PlacedModel {
    const placed = this.models.get(modelId);
    if (placed === undefined) throw new Error(`the image has no model ${modelId}`);
    return placed;
  }
}

/** A three-phase inverter (models 1 + 103). Power in W (>= 0 is production), energy in Wh. */
export class SunSpecInverterImage extends SunSpecDeviceImage {
  setPowerW(powerW: number): void {
    this.set(103, 'W', powerW);
  }

  setEnergyWh(energyWh: number): void {
    this.set(103, 'WH', energyWh);
  }

  /** Operating state (1 OFF, 2 SLEEPING, 4 MPPT, 7 FAULT, ...). */
  setState(state: number): void {
    this.set(103, 'St', state);
  }

  setPhaseVoltagesV(voltagesV: readonly [number, number, number]): void {
    (['PhVphA', 'PhVphB', 'PhVphC'] as const).forEach((name, i) => this.set(103, name, voltagesV[i]));
  }

  setPhaseCurrentsA(currentsA: readonly [number, number, number]): void {
    (['AphA', 'AphB', 'AphC'] as const).forEach((name, i) => this.set(103, name, currentsA[i]));
    this.set(103, 'A', currentsA.reduce((sum, a) => sum + a, 0));
  }
}

/** A three-phase wye grid meter (models 1 + 203). Power in W, > 0 is import; currents in A, voltages in V. */
export class SunSpecGridMeterImage extends SunSpecDeviceImage {
  /** Sets the total; without per-phase values it is split evenly over the three phases. */
  setPowerW(powerW: number, phasePowersW?: readonly [number, number, number]): void {
    const phases = phasePowersW ?? [powerW / 3, powerW / 3, powerW / 3];
    (['WphA', 'WphB', 'WphC'] as const).forEach((name, i) => this.set(203, name, phases[i]));
    this.set(203, 'W', powerW);
  }

  setPhaseCurrentsA(currentsA: readonly [number, number, number]): void {
    (['AphA', 'AphB', 'AphC'] as const).forEach((name, i) => this.set(203, name, currentsA[i]));
    this.set(203, 'A', currentsA.reduce((sum, a) => sum + a, 0));
  }

  setPhaseVoltagesV(voltagesV: readonly [number, number, number]): void {
    (['PhVphA', 'PhVphB', 'PhVphC'] as const).forEach((name, i) => this.set(203, name, voltagesV[i]));
    this.set(203, 'PhV', voltagesV.reduce((sum, v) => sum + v, 0) / 3);
  }

  setFrequencyHz(frequencyHz: number): void {
    this.set(203, 'Hz', frequencyHz);
  }

  setEnergyWh(energy: { importWh: number; exportWh: number }): void {
    this.set(203, 'TotWhImp', energy.importWh);
    this.set(203, 'TotWhExp', energy.exportWh);
  }
}

export function createSunSpecInverter(common: CommonInfo, options: { baseAddress?: number; catalog?: ModelCatalog } = {}): SunSpecInverterImage {
  const image = new SunSpecInverterImage({ ...options, common, models: [103] });
  image.setState(2);
  return image;
}

export function createSunSpecGridMeter(common: CommonInfo, options: { baseAddress?: number; catalog?: ModelCatalog } = {}): SunSpecGridMeterImage {
  const image = new SunSpecGridMeterImage({ ...options, common, models: [203] });
  image.setPowerW(0);
  return image;
}

function requirePoint(layout: ModelLayout, name: string): PointLayout {
  const point = layout.point(name);
  if (point === undefined) throw new Error(`model ${layout.id} has no point ${name}`);
  return point;
}

/** True when `raw` encodes without overflow and does not collide with the type's "not implemented" value. */
function fits(point: PointLayout, raw: number): boolean {
  try {
    return decodePoint(point.type, encodePoint(point.type, raw, point.size), 0, point.size) !== undefined || raw === 0;
  } catch {
    return false;
  }
}

function defaultScaleFactor(layout: ModelLayout, sfName: string): number {
  const units = layout.points.find((p) => p.sf === sfName && p.units !== undefined)?.units ?? '';
  // Percentages (%, %WHRtg, %AhrRtg, ...) in 0.1 % steps.
  return units.startsWith('%') ? -1 : DEFAULT_SF_BY_UNITS[units] ?? 0;
}
