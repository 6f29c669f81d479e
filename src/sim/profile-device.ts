/**
 * A register image of a device described by a profile (devices/profiles): the simulator side of ProfileMeter. Values
 * are given in the domain's units and signs (W import-positive, Wh, A, V, %) and encoded the way the profile says the
 * device stores them: type, word order, scale, unit, sign, sums of import and export registers, and the direction
 * bits of magnitude-only values. The demo and tests serve it with the Modbus simulator (modbus-server.ts), so any
 * profile can be exercised with live values; hand-written register maps in the tests keep encoder and decoder from
 * agreeing on the same mistake.
 */
import type { MeterRole } from '../domain/meter-reading.ts';
import { resolveRegister } from '../devices/profiles/profile-meter.ts';
import { isSum, isSunSpecRole, type DeviceProfile, type RegisterSpec, type ValueSpec } from '../devices/profiles/profile-schema.ts';
import { encodeRegisterValue } from '../devices/profiles/register-codec.ts';
import type { RegisterBank } from './modbus-server.ts';

/** Values of one role; the phase values are L1, L2, L3 (or one value for single-phase devices). */
export interface ProfileValues {
  power?: number;
  phasePowers?: readonly number[];
  phaseCurrents?: readonly number[];
  phaseVoltages?: readonly number[];
  importEnergy?: number;
  exportEnergy?: number;
  soc?: number;
}

const SINGLE_VALUES = ['power', 'importEnergy', 'exportEnergy', 'soc'] as const;
const PHASE_VALUES = ['phasePowers', 'phaseCurrents', 'phaseVoltages'] as const;

export class ProfileDeviceImage implements RegisterBank {
  private readonly words = new Map<number, number>();

  constructor(readonly profile: DeviceProfile) {
    const identify = profile.identify;
    // A device always answers its identifying register; the middle of the accepted range is a plausible value.
    if (identify !== undefined) this.write(identify.register, (identify.min + identify.max) / 2);
  }

  /** Sets the values of a role that the profile reads from registers. */
  set(role: MeterRole, values: ProfileValues): void {
    const spec = this.profile.roles[role];
    if (spec === undefined || isSunSpecRole(spec)) throw new Error(`${this.profile.id} has no register role ${role}`);
    for (const name of SINGLE_VALUES) {
      const value = values[name];
      const where = spec[name];
      if (value !== undefined && where !== undefined) this.writeValue(where, value);
    }
    for (const name of PHASE_VALUES) {
      const list = values[name];
      const where = spec[name];
      if (list === undefined || where === undefined) continue;
      where.forEach((w, i) => this.writeValue(w, list[i] ?? 0));
    }
  }

  /** Writes "not available" into a role's value: the profile's first sentinel for the type, or NaN for floats. */
  setNotAvailable(role: MeterRole, name: (typeof SINGLE_VALUES)[number]): void {
    const spec = this.profile.roles[role];
    if (spec === undefined || isSunSpecRole(spec)) throw new Error(`${this.profile.id} has no register role ${role}`);
    const value = spec[name];
    if (value === undefined) throw new Error(`${this.profile.id} ${role} has no ${name}`);
    for (const register of isSum(value) ? [...value.plus, ...value.minus ?? []] : [value]) {
      const resolved = resolveRegister(this.profile, register);
      const sentinel = resolved.notAvailable[0];
      const words = sentinel !== undefined
        ? Array.from({ length: resolved.count }, (_, i) => Number((sentinel >> BigInt(16 * (resolved.count - 1 - i))) & 0xffffn))
        : resolved.type === 'float32' ? [0x7fc0, 0x0000] : undefined;
      if (words === undefined) throw new Error(`${this.profile.id} ${role} ${name}: the profile names no "not available" pattern for ${resolved.type}`);
      // Patterns are written high word first; the device stores them in its own word order.
      const ordered = resolved.order === 'low-first' ? words.reverse() : words;
      ordered.forEach((w, i) => this.words.set(register.address + i, w));
    }
  }

  /** Raw words at an address, for faults the profile cannot describe (garbage, torn values). */
  setWords(address: number, words: readonly number[]): void {
    words.forEach((w, i) => this.words.set(address + i, w));
  }

  read(address: number, count: number): readonly number[] | undefined {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const word = this.words.get(address + i);
      if (word === undefined) return undefined;
      out.push(word);
    }
    return out;
  }

  /** A sum gets the positive part in its first plus register and the negative part in its first minus register. */
  private writeValue(spec: ValueSpec, value: number): void {
    if (!isSum(spec)) {
      this.write(spec, value);
      return;
    }
    spec.plus.forEach((r, i) => this.write(r, i === 0 ? Math.max(0, value) : 0));
    (spec.minus ?? []).forEach((r, i) => this.write(r, i === 0 ? Math.max(0, -value) : 0));
  }

  private write(spec: RegisterSpec, value: number): void {
    const register = resolveRegister(this.profile, spec);
    const { direction } = register;
    if (direction !== undefined) {
      this.words.set(direction.address, value > 0 ? lowestBit(direction.positiveBits) : value < 0 ? lowestBit(direction.negativeBits) : 0);
    }
    const signed = direction !== undefined ? Math.abs(value) : value * register.sign;
    encodeRegisterValue(signed / register.factor, register.type, register.order).forEach((w, i) => this.words.set(register.address + i, w));
  }
}

function lowestBit(bits: number): number {
  return bits & -bits;
}
