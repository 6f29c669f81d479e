/**
 * A grid meter, PV inverter or battery read from the registers its device profile lists (profile-schema.ts), over a
 * shared Modbus link. One read fetches every register of the role in as few block reads as possible
 * (register-blocks.ts), decodes them, and normalises them to the domain sign convention (domain/meter-reading.ts):
 * grid > 0 import, PV >= 0 production, battery > 0 discharge, phase currents signed like their phase power.
 *
 * Choices worth knowing:
 * - A value is "not available" when its raw pattern is a sentinel of the profile (SMA's NaN 0x80000000) or a float
 *   NaN. PV power that is not available while other values are counts as 0 W: inverters report NaN at night
 *   (openWB `sma_sunny_boy/inverter.py`). A grid meter without total power falls back to the sum of its phases.
 * - Values no home device produces (|P| beyond 1 MW, currents beyond 2 kA, voltages outside 0..1000 V, SoC outside
 *   0..100 %, infinities) reject the whole reading with an error naming the value and its register.
 * - Energy counters must not run backwards: a lower value than the last accepted one is garbage and left out (the
 *   last one stays the reference), as is a rise faster than the maximum power allows, or a negative or infinite
 *   counter; the rest of the reading stands. Ten lower values in a row are taken as a genuine reset (a replaced
 *   meter), not garbage.
 * - Registers marked `optional` that a device answers with "illegal address" are dropped for good (logged once), so
 *   variants without them (EM24 without an export register) still read.
 */
import type { MeterReading, MeterRole, PhaseValues } from '../../domain/meter-reading.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import { CounterGuard } from '../counter-guard.ts';
import type { MeterDriver } from '../meter-driver.ts';
import { ModbusError } from '../modbus/modbus-link.ts';
import { covers, planBlocks, type FunctionCode, type RegisterRange } from './register-blocks.ts';
import { applyFactor, decodeRegisterValue } from './register-codec.ts';
import {
  REGISTER_WORDS, UNIT_FACTORS, isSum, isSunSpecRole, roleUnit,
  type DeviceProfile, type RegisterRoleSpec, type RegisterSpec, type RegisterType, type ValueSpec, type WordOrder,
} from './profile-schema.ts';

/** What the meter needs from a link (ModbusLink satisfies it). */
export interface RegisterReader {
  readonly endpoint: string;
  readHoldingRegisters(unit: number, address: number, count: number, signal?: AbortSignal): Promise<number[]>;
  readInputRegisters(unit: number, address: number, count: number, signal?: AbortSignal): Promise<number[]>;
}

export interface ProfileMeterOptions {
  id: string;
  role: MeterRole;
  profile: DeviceProfile;
  link: RegisterReader;
  /** Default: the profile's unit for the role. */
  unit?: number;
  clock: Clock;
  logger: Logger;
  /** -1 flips power, phase powers and currents on top of the profile's signs (a CT clamp mounted the other way). */
  powerSign?: 1 | -1;
  /** Overrides the profile's block limit. */
  maxRegistersPerRead?: number;
  /** Readings beyond ±maxPowerW are rejected as garbage. */
  maxPowerW?: number;
  /** Phase currents beyond ±maxCurrentA are rejected as garbage. */
  maxCurrentA?: number;
}

/** A register of the role with the profile's defaults applied. */
interface ResolvedRegister extends RegisterRange {
  type: RegisterType;
  order: WordOrder;
  /** scale × unit conversion, without the sign. */
  factor: number;
  sign: 1 | -1;
  notAvailable: readonly bigint[];
  optional: boolean;
  /** Status register whose bits give the sign of this magnitude. */
  direction?: ResolvedDirection;
}

interface ResolvedDirection extends ResolvedRegister {
  positiveBits: number;
  negativeBits: number;
}

interface ResolvedValue {
  plus: ResolvedRegister[];
  minus: ResolvedRegister[];
  /** "power (FC3 30865 - 30867)", for error messages. */
  label: string;
}

interface ResolvedRole {
  power: ResolvedValue;
  phasePowers?: ResolvedValue[];
  phaseCurrents?: ResolvedValue[];
  phaseVoltages?: ResolvedValue[];
  deriveCurrents: boolean;
  importEnergy?: ResolvedValue;
  exportEnergy?: ResolvedValue;
  soc?: ResolvedValue;
}

const ROLE_NOUN: Record<MeterRole, string> = { grid: 'grid meter', pv: 'pv inverter', battery: 'battery' };
/** An inverter's own draw at night or in standby; more negative PV power than this is a wrong sign, not standby. */
const MAX_STANDBY_DRAW_W = 200;
/** Exceptions meaning "this device has no such register / function", as opposed to a busy or failing device. */
const MISSING_REGISTER_CODES = new Set([1, 2, 3]);

export function createProfileMeter(options: ProfileMeterOptions): ProfileMeter {
  return new ProfileMeter(options);
}

export class ProfileMeter implements MeterDriver {
  readonly id: string;
  readonly unit: number;
  private readonly spec: ResolvedRole;
  private readonly registers: ResolvedRegister[];
  private readonly maxCount: number;
  private readonly where: string;
  /** Optional registers the device turned out not to have. */
  private readonly missing = new Set<ResolvedRegister>();
  private readonly importCounter = new CounterGuard();
  private readonly exportCounter = new CounterGuard();
  private closed = false;

  constructor(private readonly options: ProfileMeterOptions) {
    const { profile, role } = options;
    const spec = profile.roles[role];
    if (spec === undefined) throw new Error(`device profile ${profile.id} has no ${role} role (it serves ${Object.keys(profile.roles).join(', ')})`);
    if (isSunSpecRole(spec)) throw new Error(`device profile ${profile.id} reads its ${role} role through SunSpec, not registers`);
    this.id = options.id;
    this.unit = options.unit ?? roleUnit(profile, role);
    this.spec = resolveRole(profile, spec, options.powerSign ?? 1);
    this.registers = uniqueRegisters(this.spec);
    this.maxCount = options.maxRegistersPerRead ?? profile.connection.maxRegistersPerRead;
    this.where = `${ROLE_NOUN[role]} ${options.link.endpoint} unit ${this.unit} (${profile.id})`;
  }

  /** The block reads one `read()` makes, for tests and diagnostics. */
  plan(): RegisterRange[] {
    return planBlocks(this.registers.filter((r) => !this.missing.has(r)), this.maxCount);
  }

  async read(signal?: AbortSignal): Promise<MeterReading> {
    if (this.closed) throw new Error(`${this.where}: driver closed`);
    try {
      const words = await this.fetch(signal);
      return this.assemble((value) => this.evaluate(value, words));
    } catch (error) {
      throw this.describe(error);
    }
  }

  async close(): Promise<void> {
    // The link is shared with other devices behind the same endpoint; its pool closes it.
    this.closed = true;
  }

  /** Reads every planned block; re-plans without optional registers the device refuses. */
  private async fetch(signal?: AbortSignal): Promise<Map<string, number>> {
    for (;;) {
      const words = new Map<string, number>();
      let replan = false;
      for (const block of this.plan()) {
        let data: number[];
        try {
          data = block.fc === 3
            ? await this.options.link.readHoldingRegisters(this.unit, block.address, block.count, signal)
            : await this.options.link.readInputRegisters(this.unit, block.address, block.count, signal);
        } catch (error) {
          const optional = this.registers.filter((r) => r.optional && !this.missing.has(r) && covers(block, r));
          if (!isMissingRegister(error) || optional.length === 0) throw error;
          for (const register of optional) this.missing.add(register);
          this.options.logger.warn({ meter: this.id, registers: optional.map(describeRegister), err: (error as Error).message },
            'device lacks optional registers; reading without them');
          replan = true;
          break;
        }
        data.forEach((word, i) => words.set(key(block.fc, block.address + i), word));
      }
      if (!replan) return words;
    }
  }

  private evaluate(value: ResolvedValue, words: Map<string, number>): number | undefined {
    let total = 0;
    for (const [registers, termSign] of [[value.plus, 1], [value.minus, -1]] as const) {
      for (const register of registers) {
        if (this.missing.has(register)) return undefined;
        const raw = decodeRegisterValue(wordsOf(register, words), register.type, register.order, register.notAvailable);
        if (raw === undefined) return undefined;
        const direction = register.direction === undefined ? 1 : directionOf(register.direction, words);
        const magnitude = applyFactor(raw, register.factor);
        total += (register.direction === undefined ? magnitude : Math.abs(magnitude) * direction) * register.sign * termSign;
      }
    }
    return total === 0 ? 0 : total; // no -0 from a sign flip of an idle value
  }

  private assemble(evaluate: (value: ResolvedValue) => number | undefined): MeterReading {
    const { spec } = this;
    const role = this.options.role;
    const maxPowerW = this.options.maxPowerW ?? 1_000_000;
    const maxCurrentA = this.options.maxCurrentA ?? 2_000;
    const get = (value: ResolvedValue | undefined, limit: (v: number) => boolean, unit: string): number | undefined => {
      if (value === undefined) return undefined;
      const result = evaluate(value);
      if (result !== undefined && !limit(result)) throw new Error(`implausible ${value.label}: ${result} ${unit}`);
      return result;
    };
    const within = (max: number, min = -max) => (v: number): boolean => Number.isFinite(v) && v >= min && v <= max;
    const phases = (values: ResolvedValue[] | undefined, limit: (v: number) => boolean, unit: string): PhaseValues | undefined => {
      if (values === undefined) return undefined;
      const read = values.map((v) => get(v, limit, unit));
      if (read.some((v) => v === undefined)) return undefined;
      const [a = 0, b = 0, c = 0] = read as number[];
      return [a, b, c];
    };

    const phasePowers = phases(spec.phasePowers, within(maxPowerW), 'W');
    const voltages = phases(spec.phaseVoltages, within(1000, 0), 'V');
    let currents = phases(spec.phaseCurrents, within(maxCurrentA), 'A');
    if (currents !== undefined && phasePowers !== undefined) {
      // Many devices send current magnitudes; the domain wants the sign of the phase's power (fuse protection).
      currents = currents.map((a, i) => {
        const w = phasePowers[i] ?? 0;
        return w === 0 ? a : Math.abs(a) * Math.sign(w);
      }) as unknown as PhaseValues;
    }
    if (currents === undefined && spec.deriveCurrents && phasePowers !== undefined && voltages !== undefined) {
      currents = phasePowers.map((w, i) => {
        const v = voltages[i] ?? 0;
        return v > 0 ? Math.round((w / v) * 1000) / 1000 : 0;
      }) as unknown as PhaseValues;
    }
    const soc = get(spec.soc, within(100, 0), '%');
    // A bad counter must not cost the power reading (the fuse needs it): counters are checked on their own below.
    const importWh = spec.importEnergy === undefined ? undefined : evaluate(spec.importEnergy);
    const exportWh = spec.exportEnergy === undefined ? undefined : evaluate(spec.exportEnergy);

    let power = get(spec.power, within(maxPowerW), 'W');
    if (power === undefined && role === 'grid' && phasePowers !== undefined) power = phasePowers[0] + phasePowers[1] + phasePowers[2];
    if (role === 'pv') {
      if (power === undefined) {
        if ([phasePowers, voltages, currents, importWh, exportWh].every((v) => v === undefined)) {
          throw new Error(`only "not available" values (${spec.power.label} and the rest)`);
        }
        // Inverters report power as not available while asleep at night: that is no production, not a failure.
        power = 0;
      }
      if (power < -MAX_STANDBY_DRAW_W) throw new Error(`negative production ${power} W from ${spec.power.label} (is the sign in the profile wrong?)`);
      power = Math.max(0, power);
      // PV power is >= 0 by convention, so are its currents.
      if (currents !== undefined) currents = currents.map((a) => Math.abs(a)) as unknown as PhaseValues;
    }
    if (power === undefined) throw new Error(`no power: ${spec.power.label} reads "not available"`);

    const nowMs = this.options.clock.nowMs();
    const importEnergyWh = this.counter(this.importCounter, importWh, nowMs, maxPowerW, 'import');
    const exportEnergyWh = this.counter(this.exportCounter, exportWh, nowMs, maxPowerW, 'export');
    return {
      atMs: nowMs,
      powerW: power,
      ...(phasePowers !== undefined ? { phasePowersW: phasePowers } : {}),
      ...(currents !== undefined ? { phaseCurrentsA: currents } : {}),
      ...(voltages !== undefined ? { phaseVoltagesV: voltages } : {}),
      ...(importEnergyWh !== undefined ? { importEnergyWh } : {}),
      ...(exportEnergyWh !== undefined ? { exportEnergyWh } : {}),
      ...(soc !== undefined ? { socPct: soc } : {}),
    };
  }

  private counter(guard: CounterGuard, value: number | undefined, nowMs: number, maxPowerW: number, name: string): number | undefined {
    if (value === undefined) return undefined;
    const verdict = guard.offer(value, nowMs, maxPowerW);
    if (verdict !== 'ok') {
      this.options.logger.warn({ meter: this.id, counter: name, value, last: guard.lastValue, verdict }, 'energy counter rejected as garbage');
      return undefined;
    }
    return value;
  }

  /** "grid meter 10.0.0.5:502 unit 2 (sma-home-manager): Modbus exception 2 (illegal data address)". */
  private describe(error: unknown): Error {
    const detail = error instanceof ModbusError ? error.detail : error instanceof Error ? error.message : String(error);
    return new Error(`${this.where}: ${detail}`, { cause: error });
  }
}

function resolveRole(profile: DeviceProfile, spec: RegisterRoleSpec, powerSign: 1 | -1): ResolvedRole {
  const value = (v: ValueSpec, name: string, sign: 1 | -1 = 1): ResolvedValue => {
    const plus = (isSum(v) ? v.plus : [v]).map((r) => resolveRegister(profile, r, sign));
    const minus = (isSum(v) ? v.minus ?? [] : []).map((r) => resolveRegister(profile, r, sign));
    const text = (list: ResolvedRegister[]): string => list.map((r) => r.address).join(' + ');
    const fc = [...plus, ...minus].every((r) => r.fc === plus[0]?.fc) ? `FC${plus[0]?.fc ?? 3}` : 'FC3/4';
    return { plus, minus, label: `${name} (${fc} ${text(plus)}${minus.length > 0 ? ` - ${text(minus)}` : ''})` };
  };
  const phaseList = (list: ValueSpec[] | undefined, name: string, sign: 1 | -1 = 1): ResolvedValue[] | undefined =>
    list?.map((v, i) => value(v, list.length === 1 ? name : `${name} L${i + 1}`, sign));
  return {
    power: value(spec.power, 'power', powerSign),
    ...optionalEntry('phasePowers', phaseList(spec.phasePowers, 'phase power', powerSign)),
    ...optionalEntry('phaseCurrents', phaseList(spec.phaseCurrents, 'phase current', powerSign)),
    ...optionalEntry('phaseVoltages', phaseList(spec.phaseVoltages, 'phase voltage')),
    deriveCurrents: spec.deriveCurrents === true,
    ...optionalEntry('importEnergy', spec.importEnergy === undefined ? undefined : value(spec.importEnergy, 'import energy')),
    ...optionalEntry('exportEnergy', spec.exportEnergy === undefined ? undefined : value(spec.exportEnergy, 'export energy')),
    ...optionalEntry('soc', spec.soc === undefined ? undefined : value(spec.soc, 'state of charge')),
  };
}

/** Applies the profile's defaults to one register; `extraSign` multiplies its sign. */
export function resolveRegister(profile: DeviceProfile, spec: RegisterSpec, extraSign: 1 | -1 = 1): ResolvedRegister {
  const direction = spec.direction === undefined ? undefined : {
    ...resolveRegister(profile, { address: spec.direction.address, type: 'uint16', unit: 'W', ...(spec.direction.fc !== undefined ? { fc: spec.direction.fc } : {}) }),
    notAvailable: [],
    positiveBits: spec.direction.positiveBits,
    negativeBits: spec.direction.negativeBits,
  };
  return {
    ...(direction !== undefined ? { direction } : {}),
    fc: (spec.fc ?? profile.defaults?.fc ?? 3) as FunctionCode,
    address: spec.address,
    count: REGISTER_WORDS[spec.type],
    type: spec.type,
    order: spec.order ?? profile.defaults?.order ?? 'high-first',
    factor: (spec.scale ?? 1) * UNIT_FACTORS[spec.unit],
    sign: ((spec.sign ?? 1) * extraSign) as 1 | -1,
    notAvailable: spec.notAvailable ?? profile.defaults?.notAvailable?.[spec.type] ?? [],
    optional: spec.optional === true,
  };
}

/** Decodes one resolved register from block-read words; `undefined` when not available. */
export function readResolved(register: ResolvedRegister, words: Map<string, number>): number | undefined {
  const raw = decodeRegisterValue(wordsOf(register, words), register.type, register.order, register.notAvailable);
  return raw === undefined ? undefined : applyFactor(raw, register.factor) * register.sign;
}

export function wordKey(fc: FunctionCode, address: number): string {
  return key(fc, address);
}

function uniqueRegisters(spec: ResolvedRole): ResolvedRegister[] {
  const values = [spec.power, ...(spec.phasePowers ?? []), ...(spec.phaseCurrents ?? []), ...(spec.phaseVoltages ?? []),
    spec.importEnergy, spec.exportEnergy, spec.soc].filter((v): v is ResolvedValue => v !== undefined);
  return values.flatMap((v) => [...v.plus, ...v.minus]).flatMap((r) => (r.direction === undefined ? [r] : [r, r.direction]));
}

/** +1, -1 or 0 (neither bit set: idle) from the status register. */
function directionOf(direction: ResolvedDirection, words: Map<string, number>): number {
  const [status = 0] = wordsOf(direction, words);
  if ((status & direction.positiveBits) !== 0) return 1;
  if ((status & direction.negativeBits) !== 0) return -1;
  return 0;
}

function wordsOf(register: ResolvedRegister, words: Map<string, number>): number[] {
  return Array.from({ length: register.count }, (_, i) => {
    const word = words.get(key(register.fc, register.address + i));
    if (word === undefined) throw new Error(`register ${register.address + i} (FC${register.fc}) was not read`);
    return word;
  });
}

function key(fc: FunctionCode, address: number): string {
  return `${fc}:${address}`;
}

function describeRegister(register: ResolvedRegister): string {
  return `FC${register.fc} ${register.address}`;
}

function isMissingRegister(error: unknown): boolean {
  return error instanceof ModbusError && error.kind === 'exception' && error.modbusCode !== undefined && MISSING_REGISTER_CODES.has(error.modbusCode);
}

function optionalEntry<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}
