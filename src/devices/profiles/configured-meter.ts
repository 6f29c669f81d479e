/**
 * Builds the driver for one meter of the config: the generic SunSpec driver for roles a profile reads through
 * SunSpec (with the profile's sign), a ProfileMeter for roles it reads from registers. Port, unit and timeout come
 * from the config when given, else from the profile, so `device: kostal-plenticore` alone finds port 1502, unit 71.
 * The link is Modbus TCP (`host`), Modbus RTU on a serial port (`serial`) or RTU through a transparent TCP gateway
 * (`rtuOverTcp`); meters on the same serial port or gateway get the same link, hence one queue for the bus.
 */
import type { MeterRole } from '../../domain/meter-reading.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { MeterDriver } from '../meter-driver.ts';
import { describeTransport, type ModbusLinkDefaults, type ModbusLinkPool, type ModbusTransport } from '../modbus/modbus-link.ts';
import type { SerialParity } from '../modbus/serial-line.ts';
import { createSunSpecMeter } from '../sunspec/sunspec-meter.ts';
import type { ProfileCatalog } from './profile-catalog.ts';
import { createProfileMeter } from './profile-meter.ts';
import { isSunSpecRole, roleUnit, type DeviceProfile } from './profile-schema.ts';

/** The fields of a config meter entry this needs (store/config-schema.ts `MeterConfig` satisfies it). */
export interface MeterSettings {
  id: string;
  role: MeterRole;
  device: string;
  modbus: {
    host?: string | undefined;
    port?: number | undefined;
    serial?: { path: string; baudRate: number; parity?: SerialParity | undefined; dataBits?: 7 | 8 | undefined; stopBits?: 1 | 2 | undefined } | undefined;
    rtuOverTcp?: { host: string; port?: number | undefined } | undefined;
    unit?: number | undefined;
    timeoutMs?: number | undefined;
  };
  powerSign?: 1 | -1 | undefined;
  maxRegistersPerRead?: number | undefined;
  /** The n-th SunSpec device of the role behind the unit id (SolarEdge meters 1-3). */
  sunspecIndex?: number | undefined;
}

export interface ModbusTarget {
  transport: ModbusTransport;
  unit: number;
  /** Options for the link to this endpoint; they apply when the pool creates it. */
  link: Partial<ModbusLinkDefaults>;
}

export interface ConfiguredMeterDependencies {
  links: ModbusLinkPool;
  profiles: ProfileCatalog;
  clock: Clock;
  logger: Logger;
}

const DEFAULT_TIMEOUT_MS = 1000;
const DEFAULT_GATEWAY_PORT = 502;

/** Where and how to reach the meter; throws when the config asks for a transport the device does not offer. */
export function resolveModbusTarget(meter: MeterSettings, profile: DeviceProfile): ModbusTarget {
  const { connection } = profile;
  const { modbus } = meter;
  let transport: ModbusTransport;
  if (modbus.serial !== undefined) {
    const { path, baudRate, parity = 'none', dataBits = 8, stopBits = 1 } = modbus.serial;
    transport = { kind: 'rtu', path, baudRate, parity, dataBits, stopBits };
  } else if (modbus.rtuOverTcp !== undefined) {
    transport = { kind: 'rtu-over-tcp', host: modbus.rtuOverTcp.host, port: modbus.rtuOverTcp.port ?? DEFAULT_GATEWAY_PORT };
  } else if (modbus.host !== undefined) {
    transport = { kind: 'tcp', host: modbus.host, port: modbus.port ?? connection.port };
  } else {
    throw new Error(`meter ${meter.id}: modbus needs host, serial or rtuOverTcp`);
  }
  // Modbus TCP is always possible: an RS-485 meter behind a Modbus TCP gateway. RTU frames need an RS-485 device.
  if (transport.kind !== 'tcp' && !connection.transports.includes('rtu')) {
    throw new Error(`meter ${meter.id}: device ${profile.id} has no RS-485 (Modbus RTU) interface, so ${describeTransport(transport)} cannot reach it; use host (Modbus TCP)`);
  }
  return {
    transport,
    unit: modbus.unit ?? roleUnit(profile, meter.role),
    link: {
      timeoutMs: modbus.timeoutMs ?? connection.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(connection.interFrameGapMs !== undefined ? { interFrameGapMs: connection.interFrameGapMs } : {}),
      // The pause after connecting is for a device's own TCP server (the Huawei SDongle), not for a bus behind a gateway.
      ...(connection.connectDelayMs !== undefined && transport.kind === 'tcp' ? { connectDelayMs: connection.connectDelayMs } : {}),
    },
  };
}

export function createConfiguredMeter(meter: MeterSettings, deps: ConfiguredMeterDependencies): MeterDriver {
  const profile = deps.profiles.get(meter.device);
  const spec = profile.roles[meter.role];
  if (spec === undefined) throw new Error(`meter ${meter.id}: device ${profile.id} has no ${meter.role} role`);
  const target = resolveModbusTarget(meter, profile);
  const link = deps.links.forTransport(target.transport, target.link);
  if (isSunSpecRole(spec)) {
    const sign = ((spec.sunspec.powerSign ?? 1) * (meter.powerSign ?? 1)) as 1 | -1;
    return createSunSpecMeter({
      id: meter.id, role: meter.role, link, unit: target.unit, clock: deps.clock, logger: deps.logger,
      ...(sign === -1 ? { powerSign: sign } : {}),
      ...(meter.sunspecIndex !== undefined ? { deviceIndex: meter.sunspecIndex } : {}),
    });
  }
  if (meter.sunspecIndex !== undefined && meter.sunspecIndex !== 1) {
    throw new Error(`meter ${meter.id}: sunspecIndex picks one of several SunSpec devices, but device ${profile.id} reads its ${meter.role} role from registers`);
  }
  return createProfileMeter({
    id: meter.id, role: meter.role, profile, link, unit: target.unit, clock: deps.clock, logger: deps.logger,
    ...(meter.powerSign !== undefined ? { powerSign: meter.powerSign } : {}),
    ...(meter.maxRegistersPerRead !== undefined ? { maxRegistersPerRead: meter.maxRegistersPerRead } : {}),
  });
}
