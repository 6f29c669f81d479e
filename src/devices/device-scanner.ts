/**
 * Finds Modbus devices behind one host for `sunplug scan`: for each port and unit id, SunSpec discovery first (exact:
 * the device names itself in the common model), then the device profiles that can be recognised from registers
 * (a best guess: an identifying register in range, or the profile's registers answering with plausible values).
 *
 * A scan must not hang on what is not there: one link per port with a short timeout; a unit that does not answer
 * costs one timeout and is skipped; a port that refuses the connection is skipped after one attempt; a unit that
 * answers but times out twice during profile probes is left alone. Requests go one at a time (the link's queue).
 */
import type { MeterReading, MeterRole } from '../domain/meter-reading.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { ModbusError, ModbusLink, type ModbusTransport } from './modbus/modbus-link.ts';
import type { SerialLineSettings } from './modbus/serial-line.ts';
import type { ProfileCatalog } from './profiles/profile-catalog.ts';
import { createProfileMeter, readResolved, resolveRegister, wordKey } from './profiles/profile-meter.ts';
import { isSunSpecRole, roleUnit, type DeviceProfile } from './profiles/profile-schema.ts';
import { SUNSPEC_BASE_ADDRESSES, discoverSunSpec, readCommonModel, type CommonModelInfo, type SunSpecChain, type SunSpecModelRef } from './sunspec/discovery.ts';
import { ModelCatalog, instantiateModel } from './sunspec/model-definitions.ts';
import { readModelPoints } from './sunspec/read-plan.ts';

/** evcc's probe list (cmd/detect/definitions.go, shared/reference/modbus.md §1.2); the profiles' own units are added. */
export const DEFAULT_SCAN_PORTS = [502, 1502] as const;
export const DEFAULT_SCAN_UNITS = [1, 2, 3, 71, 126, 200, 201, 202, 203, 204, 240] as const;

export interface ScanOptions {
  /** Modbus TCP: the host and the ports to try. Ignored when `serial` is given. */
  host: string;
  ports: readonly number[];
  /** Modbus RTU: the serial port of an RS-485 bus; devices found on it have `host` = its path and `port` 0. */
  serial?: SerialLineSettings;
  /** `host` is a transparent RS-485 gateway: send RTU frames over TCP instead of Modbus TCP. */
  rtuOverTcp?: boolean;
  units: readonly number[];
  /** Per request; also the connect timeout. */
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  profiles: ProfileCatalog;
  models?: ModelCatalog;
}

export interface FoundDevice {
  /** The TCP host, or the serial port's path for a device found on an RS-485 bus. */
  host: string;
  /** The TCP port; 0 on a serial bus. */
  port: number;
  /**
   * The device's place among the devices of its role behind this unit id, when there are several (SolarEdge meters
   * 1-3 after the inverter): the config's `sunspecIndex`.
   */
  sunspecIndex?: number;
  /** Set for a device found on an RS-485 bus (Modbus RTU). */
  serialLine?: SerialLineSettings;
  /** Set for a device found behind a transparent RS-485 gateway (RTU frames over TCP). */
  rtuOverTcp?: true;
  unit: number;
  manufacturer: string | null;
  model: string | null;
  serial: string | null;
  /** Model ids of this device's part of the SunSpec chain, common model first; empty for register matches. */
  sunspecModels: number[];
  /** In the domain convention of `role` (grid > 0 import, pv >= 0, battery > 0 discharge); null if unreadable. */
  powerW: number | null;
  /** Best guess: pv for inverters, grid for meters, battery for storage. */
  role: MeterRole;
  /** Every role Sunplug could read from this device. */
  roles: MeterRole[];
  /** The `device:` to put in the config. */
  device: string;
  match: 'sunspec' | 'registers';
  /** Other profiles the same registers fit (e.g. SDM630 / SDM72). */
  alsoPossible: string[];
}

export interface ScanReport {
  devices: FoundDevice[];
  /** Units that did not answer, per port. */
  silent: { port: number; units: number[] }[];
  /** Units that answered but matched neither SunSpec nor a profile, per port. */
  unrecognised: { port: number; units: number[] }[];
  /** Ports that could not be connected. */
  unreachable: { port: number; reason: string }[];
}

type UnitOutcome = { kind: 'found'; devices: FoundDevice[] } | { kind: 'nothing' } | { kind: 'silent' } | { kind: 'port-down'; reason: string };

const ROLE_PRIORITY: readonly MeterRole[] = ['pv', 'grid', 'battery'];
const METER_MODELS = [201, 202, 203, 204, 211, 212, 213, 214];
const INVERTER_MODELS = [101, 102, 103, 111, 112, 113];
const BATTERY_MODELS = [124, 802];
/** "Gateway path unavailable" and "gateway target device failed to respond": nobody at this unit behind a gateway. */
const GATEWAY_EXCEPTIONS = new Set([10, 11]);
/** Timeouts a unit may cause during profile probes before the scan moves on. */
const MAX_PROBE_TIMEOUTS = 2;

export async function scanDevices(options: ScanOptions): Promise<ScanReport> {
  const report: ScanReport = { devices: [], silent: [], unrecognised: [], unreachable: [] };
  const models = options.models ?? new ModelCatalog();
  const targets: { port: number; transport: ModbusTransport }[] = options.serial !== undefined
    ? [{ port: 0, transport: { kind: 'rtu', ...options.serial } }]
    : options.ports.map((port) => ({ port, transport: { kind: options.rtuOverTcp === true ? 'rtu-over-tcp' : 'tcp', host: options.host, port } }));
  for (const { port, transport } of targets) {
    const link = new ModbusLink({
      transport, clock: options.clock, logger: options.logger, timeoutMs: options.timeoutMs,
      // No backoff: a scan asks each unit once and moves on; a refused port is given up after one attempt.
      interFrameGapMs: 5, backoffInitialMs: 0, backoffMaxMs: 0,
    });
    const silent: number[] = [];
    const unrecognised: number[] = [];
    try {
      for (const unit of options.units) {
        const outcome = await probeUnit({ ...options, models }, link, port, unit);
        if (outcome.kind === 'port-down') {
          report.unreachable.push({ port, reason: outcome.reason });
          break;
        }
        if (outcome.kind === 'silent') silent.push(unit);
        if (outcome.kind === 'nothing') unrecognised.push(unit);
        if (outcome.kind === 'found') report.devices.push(...outcome.devices);
      }
    } finally {
      await link.close();
    }
    if (silent.length > 0) report.silent.push({ port, units: silent });
    if (unrecognised.length > 0) report.unrecognised.push({ port, units: unrecognised });
  }
  return report;
}

async function probeUnit(options: ScanOptions & { models: ModelCatalog }, link: ModbusLink, port: number, unit: number): Promise<UnitOutcome> {
  let chain: SunSpecChain | undefined;
  try {
    // One plain request first: a gateway answers for absent units with exception 10 or 11, which is no device.
    await link.readHoldingRegisters(unit, SUNSPEC_BASE_ADDRESSES[0], 2).catch((error: unknown) => {
      if (!(error instanceof ModbusError && error.kind === 'exception' && !GATEWAY_EXCEPTIONS.has(error.modbusCode ?? 0))) throw error;
    });
    chain = await discoverSunSpec(link, unit);
  } catch (error) {
    const modbus = modbusErrorOf(error);
    if (modbus?.kind === 'connect' || modbus?.kind === 'backoff') return { kind: 'port-down', reason: modbus.detail };
    if (modbus?.kind === 'timeout' || modbus?.kind === 'closed') return { kind: 'silent' };
    if (modbus?.kind === 'exception' && GATEWAY_EXCEPTIONS.has(modbus.modbusCode ?? 0)) return { kind: 'silent' };
    // Anything else means the unit answered (exceptions, no "SunS" marker): not SunSpec, maybe a known profile.
  }
  if (chain !== undefined) {
    const devices = await sunspecDevices(options, link, port, unit, chain);
    return devices.length > 0 ? { kind: 'found', devices } : { kind: 'nothing' };
  }
  return probeProfiles(options, link, port, unit);
}

/** One device per common model in the chain: SolarEdge lists its meter as a second device behind the inverter. */
async function sunspecDevices(options: ScanOptions & { models: ModelCatalog }, link: ModbusLink, port: number, unit: number, chain: SunSpecChain): Promise<FoundDevice[]> {
  const groups: SunSpecModelRef[][] = [];
  for (const ref of chain.models) {
    if (ref.id === 1 || groups.length === 0) groups.push([]);
    groups.at(-1)?.push(ref);
  }
  const found: FoundDevice[] = [];
  const perRole = new Map<MeterRole, number>();
  for (const group of groups) {
    const ids = group.map((m) => m.id);
    const roles = ROLE_PRIORITY.filter((role) => ids.some((id) => modelsFor(role).includes(id)));
    const role = roles[0];
    if (role === undefined) {
      options.logger.info({ port, unit, models: ids }, 'sunspec device without a meter, inverter or battery model');
      continue;
    }
    const index = (perRole.get(role) ?? 0) + 1;
    perRole.set(role, index);
    const common = group.find((m) => m.id === 1);
    const info: CommonModelInfo = common === undefined ? {} : await readCommonModel(link, unit, common, { catalog: options.models }).catch(() => ({}));
    const suggestion = await suggestProfile(options, link, port, unit, info, role);
    const powerW = suggestion.powerW !== undefined ? suggestion.powerW
      : await sunspecPower(options.models, link, unit, group, role, suggestion.sign).catch(() => null);
    found.push({
      ...where(options, port), unit,
      manufacturer: info.manufacturer ?? null, model: info.model ?? null, serial: info.serial ?? null,
      sunspecModels: ids, powerW, role, roles, device: suggestion.device, match: 'sunspec', alsoPossible: [],
      ...(index > 1 ? { sunspecIndex: index } : {}),
    });
  }
  return found;
}

/**
 * The profile for a SunSpec device: the same manufacturer, then the best fit of model name and default unit. A
 * profile that reads the role from registers is only suggested when those registers answer (its reading is kept).
 */
async function suggestProfile(options: ScanOptions, link: ModbusLink, port: number, unit: number, info: CommonModelInfo, role: MeterRole)
  : Promise<{ device: string; sign: 1 | -1; powerW?: number }> {
  const maker = (info.manufacturer ?? '').trim().toLowerCase();
  const candidates = maker === '' ? [] : options.profiles.all()
    .filter((p) => p.id !== 'sunspec' && p.roles[role] !== undefined)
    .filter((p) => maker.includes(p.manufacturer.toLowerCase()) || p.manufacturer.toLowerCase().includes(maker))
    .map((p) => ({ p, score: (new RegExp(p.modelPattern, 'i').test(info.model ?? '') ? 2 : 0) + (roleUnit(p, role) === unit ? 1 : 0) + (p.connection.port === port ? 0.5 : 0) }))
    .sort((a, b) => b.score - a.score);
  for (const { p } of candidates) {
    const spec = p.roles[role];
    if (spec === undefined) continue;
    if (isSunSpecRole(spec)) return { device: p.id, sign: spec.sunspec.powerSign ?? 1 };
    const reading = await readRole(options, link, p, role, unit);
    if (reading !== undefined) return { device: p.id, sign: 1, powerW: reading.powerW };
  }
  return { device: 'sunspec', sign: 1 };
}

async function sunspecPower(models: ModelCatalog, link: ModbusLink, unit: number, group: SunSpecModelRef[], role: MeterRole, sign: 1 | -1): Promise<number | null> {
  const ref = group.find((m) => (role === 'battery' ? [802] : modelsFor(role)).includes(m.id));
  if (ref === undefined) return null;
  const layout = instantiateModel(models.get(ref.id), ref.length);
  const watts = (await readModelPoints(link, unit, ref, layout, ['W'])).scaled('W');
  // Inverters report W as not implemented while asleep: no production, as the SunSpec driver reads it.
  if (role === 'pv') return Math.max(0, (watts ?? 0) * sign);
  return watts === undefined ? null : watts * sign;
}

/**
 * Register profiles, the ones whose default unit and port fit first; stops at the first match. Profiles that share
 * the identifying register (the Eastron family) cannot be told apart by it: each is read, and the one that sees the
 * most live phases wins (an SDM630 read as an SDM120 shows one phase, the other way round two phases stay 0).
 */
async function probeProfiles(options: ScanOptions, link: ModbusLink, port: number, unit: number): Promise<UnitOutcome> {
  const fits = (p: DeviceProfile): number => (registerRoles(p).some((r) => roleUnit(p, r) === unit) ? 0 : 2) + (p.connection.port === port ? 0 : 1);
  const candidates = options.profiles.all().filter((p) => registerRoles(p).length > 0)
    .map((p, index) => ({ p, rank: fits(p) * 1000 + index })).sort((a, b) => a.rank - b.rank).map(({ p }) => p);
  let timeouts = 0;
  for (const profile of candidates) {
    let matched: boolean;
    try {
      matched = await identifies(options, link, profile, unit);
    } catch (error) {
      const modbus = modbusErrorOf(error);
      if (modbus?.kind === 'connect' || modbus?.kind === 'backoff') return { kind: 'port-down', reason: modbus.detail };
      if (modbus?.kind === 'timeout' || modbus?.kind === 'closed') {
        if (++timeouts >= MAX_PROBE_TIMEOUTS) break;
      }
      continue;
    }
    if (!matched) continue;
    const lookalikes = [profile, ...candidates.filter((other) => other !== profile && sameIdentify(other, profile))];
    const fitting: { profile: DeviceProfile; liveness: number }[] = [];
    for (const candidate of lookalikes) {
      const role = registerRoles(candidate)[0];
      const reading = role === undefined ? undefined : await readRole(options, link, candidate, role, unit);
      if (reading !== undefined) fitting.push({ profile: candidate, liveness: liveness(reading) });
    }
    const best = [...fitting].sort((a, b) => b.liveness - a.liveness)[0]?.profile;
    if (best === undefined) continue;
    const readings: { role: MeterRole; powerW: number }[] = [];
    for (const role of registerRoles(best)) {
      const reading = await readRole(options, link, best, role, unit);
      if (reading !== undefined) readings.push({ role, powerW: reading.powerW });
    }
    const primary = readings[0];
    if (primary === undefined) continue;
    return {
      kind: 'found',
      devices: [{
        // The registers do not say which model this is; the profile does not either, so the model stays unknown.
        ...where(options, port), unit, manufacturer: best.manufacturer, model: null, serial: null,
        sunspecModels: [], powerW: primary.powerW, role: primary.role, roles: readings.map((r) => r.role), device: best.id,
        match: 'registers', alsoPossible: fitting.map((f) => f.profile.id).filter((id) => id !== best.id),
      }],
    };
  }
  return { kind: 'nothing' };
}

/** The identifying register in range, or else the profile's first role reading without error. Throws link failures. */
async function identifies(options: ScanOptions, link: ModbusLink, profile: DeviceProfile, unit: number): Promise<boolean> {
  if (profile.identify !== undefined) {
    const register = resolveRegister(profile, profile.identify.register);
    const words = register.fc === 3 ? await link.readHoldingRegisters(unit, register.address, register.count)
      : await link.readInputRegisters(unit, register.address, register.count);
    const map = new Map(words.map((w, i) => [wordKey(register.fc, register.address + i), w]));
    const value = readResolved(register, map);
    return value !== undefined && value >= profile.identify.min && value <= profile.identify.max;
  }
  const role = ROLE_PRIORITY.find((r) => registerRoles(profile).includes(r));
  if (role === undefined) return false;
  await createProfileMeter({ id: `scan-${profile.id}`, role, profile, link, unit, clock: options.clock, logger: options.logger }).read();
  return true;
}

/** The role as the profile meter reads it; undefined when it does not read. */
async function readRole(options: ScanOptions, link: ModbusLink, profile: DeviceProfile, role: MeterRole, unit: number): Promise<MeterReading | undefined> {
  try {
    const meter = createProfileMeter({ id: `scan-${profile.id}-${role}`, role, profile, link, unit, clock: options.clock, logger: options.logger });
    return await meter.read();
  } catch (error) {
    options.logger.debug({ profile: profile.id, role, unit, err: error }, 'profile role does not read');
    return undefined;
  }
}

/** Where a found device is: host and port, or the serial port's path with its line settings. */
function where(options: ScanOptions, port: number): Pick<FoundDevice, 'host' | 'port' | 'serialLine' | 'rtuOverTcp'> {
  if (options.serial !== undefined) return { host: options.serial.path, port: 0, serialLine: options.serial };
  return options.rtuOverTcp === true ? { host: options.host, port, rtuOverTcp: true } : { host: options.host, port };
}

function registerRoles(profile: DeviceProfile): MeterRole[] {
  return ROLE_PRIORITY.filter((role) => {
    const spec = profile.roles[role];
    return spec !== undefined && !isSunSpecRole(spec);
  });
}

function modelsFor(role: MeterRole): number[] {
  return role === 'grid' ? METER_MODELS : role === 'pv' ? INVERTER_MODELS : BATTERY_MODELS;
}

/** The ModbusError behind an error: drivers wrap link errors with their own context. */
function modbusErrorOf(error: unknown): ModbusError | undefined {
  if (error instanceof ModbusError) return error;
  if (error instanceof Error && error.cause !== undefined) return modbusErrorOf(error.cause);
  return undefined;
}

/** Same identifying register and range: the registers cannot tell the two profiles apart. */
function sameIdentify(a: DeviceProfile, b: DeviceProfile): boolean {
  if (a.identify === undefined || b.identify === undefined) return false;
  const key = (p: DeviceProfile): string => JSON.stringify(p.identify && { ...resolveRegister(p, p.identify.register), notAvailable: undefined,
    min: p.identify.min, max: p.identify.max });
  return key(a) === key(b);
}

/** How many phase values a reading sees as non-zero. */
function liveness(reading: MeterReading): number {
  return [reading.phaseVoltagesV, reading.phasePowersW, reading.phaseCurrentsA].flatMap((v) => v ?? []).filter((x) => x !== 0).length;
}
