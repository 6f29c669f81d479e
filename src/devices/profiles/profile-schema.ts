/**
 * The device profile format, version 1: one YAML file per device family in `devices/profiles/`, describing where a
 * device keeps the values Sunplug reads and how to turn its registers into the domain's units and signs
 * (domain/meter-reading.ts). Unknown keys are errors, so a typo in a profile fails its test instead of silently
 * dropping a value. docs/devices.md documents the format for people who write profiles.
 *
 * A role (grid / pv / battery) is either read through the generic SunSpec driver (`sunspec: {...}`) or from
 * registers listed in the profile. Each register value is: raw (decoded from `type` in `order`) → "not available"
 * if it matches a sentinel → × `scale` → converted from `unit` to the domain unit → × `sign`.
 */
import { z } from 'zod';
import type { MeterRole } from '../../domain/meter-reading.ts';

export const PROFILE_FORMAT_VERSION = 1;

export const REGISTER_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32'] as const;
export type RegisterType = (typeof REGISTER_TYPES)[number];

/** Registers (16-bit words) each type occupies. */
export const REGISTER_WORDS: Record<RegisterType, number> = {
  int16: 1, uint16: 1, int32: 2, uint32: 2, int64: 4, uint64: 4, float32: 2,
};

export const WORD_ORDERS = ['high-first', 'low-first'] as const;
export type WordOrder = (typeof WORD_ORDERS)[number];

/** Units a profile may state for a register, with the factor to the domain unit (W, A, V, Wh, %). */
export const UNIT_FACTORS = { W: 1, kW: 1000, A: 1, mA: 0.001, V: 1, Wh: 1, kWh: 1000, '%': 1 } as const;
export type RegisterUnit = keyof typeof UNIT_FACTORS;
const UNITS = Object.keys(UNIT_FACTORS) as [RegisterUnit, ...RegisterUnit[]];

/** What each value of a role measures, and the units allowed for it. */
export const VALUE_UNITS = {
  power: ['W', 'kW'], phasePowers: ['W', 'kW'], phaseCurrents: ['A', 'mA'], phaseVoltages: ['V'],
  importEnergy: ['Wh', 'kWh'], exportEnergy: ['Wh', 'kWh'], soc: ['%'],
} as const satisfies Record<string, readonly RegisterUnit[]>;
export type ValueName = keyof typeof VALUE_UNITS;

export const METER_ROLES = ['grid', 'pv', 'battery'] as const satisfies readonly MeterRole[];

const sign = z.union([z.literal(1), z.literal(-1)]);
const functionCode = z.union([z.literal(3), z.literal(4)]).describe('3 = holding registers, 4 = input registers');
const unitId = z.number().int().min(0).max(255);

/** A raw bit pattern (after word order): a number, or a hex string for patterns beyond 2^53 such as 64-bit all-ones. */
const bitPattern = z.union([
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  z.string().regex(/^0x[0-9a-fA-F]{1,16}$/, 'a hex string such as "0xFFFFFFFFFFFFFFFF"'),
]).transform((value) => BigInt(value));

/**
 * A status register that gives the direction of a value the device reports as a magnitude (Sungrow's battery power:
 * bits of the battery running state say charging or discharging).
 */
export const directionSchema = z.strictObject({
  address: z.number().int().min(0).max(0xffff).describe('Protocol address of the 16-bit status register'),
  fc: functionCode.optional().describe('Default: defaults.fc, else 3'),
  positiveBits: z.number().int().min(1).max(0xffff).describe('Any of these bits set: the value counts positive (domain convention)'),
  negativeBits: z.number().int().min(1).max(0xffff).describe('Any of these bits set: the value counts negative; neither: the value is 0'),
}).refine((d) => (d.positiveBits & d.negativeBits) === 0, 'positiveBits and negativeBits must not share a bit');

export const registerSchema = z.strictObject({
  address: z.number().int().min(0).max(0xffff).describe('Protocol address, as sent on the wire (manuals that count from 1 or from 40001 are one more)'),
  fc: functionCode.optional().describe('Default: defaults.fc, else 3'),
  type: z.enum(REGISTER_TYPES),
  order: z.enum(WORD_ORDERS).optional().describe('Word order of 32/64-bit values. Default: defaults.order, else high-first'),
  scale: z.number().positive().finite().optional().describe('Multiplier from the raw value to `unit` (0.1 for "×0.1"). Default 1; the sign goes in `sign`'),
  sign: sign.optional().describe('-1 where the device counts the other way round from the domain convention'),
  unit: z.enum(UNITS).describe('Unit of raw × scale; converted to W, A, V, Wh or % for the reading'),
  notAvailable: z.array(bitPattern).optional().describe('Raw patterns meaning "no value". Default: defaults.notAvailable for the type. float32 NaN is always "no value"'),
  optional: z.boolean().optional().describe('Some variants lack this register: an exception for it drops the value instead of failing the read'),
  direction: directionSchema.optional().describe('The value is a magnitude; its sign comes from bits of a status register'),
  note: z.string().optional(),
});

/** "Sum of A minus B": for devices that give import and export (or charge and discharge) as two non-negative values. */
export const sumSchema = z.strictObject({
  plus: z.array(registerSchema).min(1),
  minus: z.array(registerSchema).optional(),
  note: z.string().optional(),
});

export const valueSchema = z.union([registerSchema, sumSchema]);

/** One value per phase: one entry for single-phase devices, three for L1, L2, L3. */
const phaseValues = z.array(valueSchema).refine((values) => values.length === 1 || values.length === 3, 'one value (single phase) or three (L1, L2, L3)');

export const registerRoleSchema = z.strictObject({
  unit: unitId.optional().describe('Unit id for this role when it differs from connection.unit'),
  power: valueSchema.describe('Total active power'),
  phasePowers: phaseValues.optional(),
  phaseCurrents: phaseValues.optional().describe('Magnitudes are fine: each current takes the sign of its phase power'),
  phaseVoltages: phaseValues.optional(),
  deriveCurrents: z.boolean().optional().describe('No current registers: phase current = phase power / phase voltage'),
  importEnergy: valueSchema.optional().describe('grid: energy imported; battery: energy charged'),
  exportEnergy: valueSchema.optional().describe('grid: energy exported; pv: lifetime production; battery: energy discharged'),
  soc: valueSchema.optional().describe('Battery state of charge'),
  note: z.string().optional(),
});

export const sunspecRoleSchema = z.strictObject({
  unit: unitId.optional().describe('Unit id for this role when it differs from connection.unit'),
  sunspec: z.strictObject({
    powerSign: sign.optional().describe('-1 for devices whose SunSpec W has the opposite sign of the domain convention'),
  }).describe('Read this role with the generic SunSpec driver (discovery, models 10x/11x, 20x/21x, 802 or 124+160)'),
  note: z.string().optional(),
});

export const roleSchema = z.union([sunspecRoleSchema, registerRoleSchema]);

const perTypePatterns = z.strictObject(Object.fromEntries(REGISTER_TYPES.map((t) => [t, z.array(bitPattern).optional()])) as
  Record<RegisterType, z.ZodOptional<z.ZodArray<typeof bitPattern>>>);

export const deviceProfileSchema = z.strictObject({
  format: z.literal(PROFILE_FORMAT_VERSION).describe('Profile format version'),
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'kebab-case: lower-case letters, digits and dashes').describe('The name used as `device:` in the config; equals the file name'),
  manufacturer: z.string().min(1).describe('As installers know it; scan also matches it against a SunSpec device\'s Mn'),
  modelPattern: z.string().min(1).refine(isRegExp, 'a valid regular expression').describe('Matched (case-insensitive) against a device\'s model name, e.g. SunSpec Md'),
  models: z.array(z.string().min(1)).min(1).describe('The models this profile covers, for people'),
  source: z.array(z.string().min(1)).min(1).describe('Where the register facts come from'),
  unconfirmed: z.array(z.string().min(1)).optional().describe('Facts not confirmed against a real device or the maker\'s documentation'),
  notes: z.array(z.string().min(1)).optional().describe('Installer caveats: enabling Modbus, single connection, variants'),
  connection: z.strictObject({
    transports: z.array(z.enum(['tcp', 'rtu'])).min(1).describe('How the device is reached: Modbus TCP, or RS-485 (RTU; over TCP through a gateway)'),
    port: z.number().int().min(1).max(65535).describe('Default TCP port'),
    unit: unitId.describe('Default unit id'),
    maxRegistersPerRead: z.number().int().min(4).max(125).default(125).describe('Largest block read the device answers'),
    singleConnection: z.boolean().default(false).describe('The device serves only one Modbus TCP client at a time'),
    connectDelayMs: z.number().int().min(0).max(30000).optional().describe('Quiet time the device needs after a connect before the first request'),
    timeoutMs: z.number().int().min(100).max(30000).optional().describe('Request timeout the device needs; the config may override it'),
    interFrameGapMs: z.number().int().min(0).max(5000).optional().describe('Quiet time between requests'),
  }),
  defaults: z.strictObject({
    fc: functionCode.optional(),
    order: z.enum(WORD_ORDERS).optional(),
    notAvailable: perTypePatterns.optional(),
  }).optional().describe('Defaults for every register of the profile'),
  identify: z.strictObject({
    register: registerSchema,
    min: z.number(),
    max: z.number(),
    why: z.string().min(1),
  }).optional().describe('A register that `sunplug scan` reads to recognise the device: it must answer with a value in min..max'),
  roles: z.strictObject({
    grid: roleSchema.optional(),
    pv: roleSchema.optional(),
    battery: roleSchema.optional(),
  }),
}).superRefine((profile, ctx) => {
  if (!METER_ROLES.some((role) => profile.roles[role] !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['roles'], message: 'a profile serves at least one role (grid, pv or battery)' });
  }
  const check = (register: RegisterSpec, path: (string | number)[], allowed?: readonly RegisterUnit[]): void => {
    const words = REGISTER_WORDS[register.type];
    if (register.address + words > 0x10000) ctx.addIssue({ code: 'custom', path: [...path, 'address'], message: `${register.type} at ${register.address} runs past register 65535` });
    if (words > profile.connection.maxRegistersPerRead) {
      ctx.addIssue({ code: 'custom', path: [...path, 'type'], message: `${register.type} needs ${words} registers, more than maxRegistersPerRead` });
    }
    if (allowed !== undefined && !allowed.includes(register.unit)) {
      ctx.addIssue({ code: 'custom', path: [...path, 'unit'], message: `unit ${register.unit} does not fit this value (use ${allowed.join(' or ')})` });
    }
    for (const [i, pattern] of (register.notAvailable ?? []).entries()) {
      if (pattern >= 1n << BigInt(16 * words)) ctx.addIssue({ code: 'custom', path: [...path, 'notAvailable', i], message: `wider than ${register.type}` });
    }
  };
  for (const type of REGISTER_TYPES) {
    for (const [i, pattern] of (profile.defaults?.notAvailable?.[type] ?? []).entries()) {
      if (pattern >= 1n << BigInt(16 * REGISTER_WORDS[type])) {
        ctx.addIssue({ code: 'custom', path: ['defaults', 'notAvailable', type, i], message: `wider than ${type}` });
      }
    }
  }
  for (const role of METER_ROLES) {
    const spec = profile.roles[role];
    if (spec === undefined || isSunSpecRole(spec)) continue;
    for (const name of Object.keys(VALUE_UNITS) as ValueName[]) {
      const value = spec[name];
      if (value === undefined) continue;
      const values = Array.isArray(value) ? value : [value];
      values.forEach((v, i) => {
        const path: (string | number)[] = ['roles', role, name, ...(Array.isArray(value) ? [i] : [])];
        for (const [term, register] of registersOf(v)) check(register, [...path, ...term], VALUE_UNITS[name]);
      });
    }
    if (spec.deriveCurrents === true && (spec.phasePowers === undefined || spec.phaseVoltages === undefined || spec.phaseCurrents !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['roles', role, 'deriveCurrents'], message: 'needs phasePowers and phaseVoltages and no phaseCurrents' });
    }
  }
  if (profile.identify !== undefined) {
    check(profile.identify.register, ['identify', 'register']);
    if (profile.identify.min > profile.identify.max) ctx.addIssue({ code: 'custom', path: ['identify', 'min'], message: 'min is above max' });
  }
});

export type DeviceProfile = z.output<typeof deviceProfileSchema>;
export type RegisterSpec = z.output<typeof registerSchema>;
export type SumSpec = z.output<typeof sumSchema>;
export type ValueSpec = z.output<typeof valueSchema>;
export type RegisterRoleSpec = z.output<typeof registerRoleSchema>;
export type SunSpecRoleSpec = z.output<typeof sunspecRoleSchema>;
export type RoleSpec = z.output<typeof roleSchema>;

export function isSunSpecRole(role: RoleSpec): role is SunSpecRoleSpec {
  return 'sunspec' in role;
}

export function isSum(value: ValueSpec): value is SumSpec {
  return 'plus' in value;
}

/** The registers of a value with their path inside it (`[]` for a plain register, `['plus', 0]` in a sum). */
export function registersOf(value: ValueSpec): [(string | number)[], RegisterSpec][] {
  if (!isSum(value)) return [[[], value]];
  return [
    ...value.plus.map((r, i): [(string | number)[], RegisterSpec] => [['plus', i], r]),
    ...(value.minus ?? []).map((r, i): [(string | number)[], RegisterSpec] => [['minus', i], r]),
  ];
}

/** The roles a profile serves, in the order grid, pv, battery. */
export function profileRoles(profile: DeviceProfile): MeterRole[] {
  return METER_ROLES.filter((role) => profile.roles[role] !== undefined);
}

/** The unit id a role answers on by default. */
export function roleUnit(profile: DeviceProfile, role: MeterRole): number {
  return profile.roles[role]?.unit ?? profile.connection.unit;
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, 'i');
    return true;
  } catch {
    return false;
  }
}
