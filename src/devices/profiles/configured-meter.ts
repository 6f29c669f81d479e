/**
 * Builds the driver for one meter of the config: the generic SunSpec driver for roles a profile reads through
 * SunSpec (with the profile's sign), a ProfileMeter for roles it reads from registers. Port, unit and timeout come
 * from the config when given, else from the profile, so `device: kostal-plenticore` alone finds port 1502, unit 71.
 */
import type { MeterRole } from '../../domain/meter-reading.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { MeterDriver } from '../meter-driver.ts';
import type { ModbusLinkDefaults, ModbusLinkPool } from '../modbus/modbus-link.ts';
import { createSunSpecMeter } from '../sunspec/sunspec-meter.ts';
import type { ProfileCatalog } from './profile-catalog.ts';
import { createProfileMeter } from './profile-meter.ts';
import { isSunSpecRole, roleUnit, type DeviceProfile } from './profile-schema.ts';

/** The fields of a config meter entry this needs (store/config-schema.ts `MeterConfig` satisfies it). */
export interface MeterSettings {
  id: string;
  role: MeterRole;
  device: string;
  modbus: { host: string; port?: number | undefined; unit?: number | undefined; timeoutMs?: number | undefined };
  powerSign?: 1 | -1 | undefined;
  maxRegistersPerRead?: number | undefined;
}

export interface ModbusTarget {
  host: string;
  port: number;
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

export function resolveModbusTarget(meter: MeterSettings, profile: DeviceProfile): ModbusTarget {
  const { connection } = profile;
  return {
    host: meter.modbus.host,
    port: meter.modbus.port ?? connection.port,
    unit: meter.modbus.unit ?? roleUnit(profile, meter.role),
    link: {
      timeoutMs: meter.modbus.timeoutMs ?? connection.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(connection.interFrameGapMs !== undefined ? { interFrameGapMs: connection.interFrameGapMs } : {}),
    },
  };
}

export function createConfiguredMeter(meter: MeterSettings, deps: ConfiguredMeterDependencies): MeterDriver {
  const profile = deps.profiles.get(meter.device);
  const spec = profile.roles[meter.role];
  if (spec === undefined) throw new Error(`meter ${meter.id}: device ${profile.id} has no ${meter.role} role`);
  const target = resolveModbusTarget(meter, profile);
  if (profile.connection.connectDelayMs !== undefined) {
    deps.logger.warn({ meter: meter.id, device: profile.id, connectDelayMs: profile.connection.connectDelayMs },
      'this device wants a pause after connecting, which the Modbus link does not apply yet; the first read after a connect may time out');
  }
  const link = deps.links.get(target.host, target.port, target.link);
  if (isSunSpecRole(spec)) {
    const sign = ((spec.sunspec.powerSign ?? 1) * (meter.powerSign ?? 1)) as 1 | -1;
    return createSunSpecMeter({
      id: meter.id, role: meter.role, link, unit: target.unit, clock: deps.clock, logger: deps.logger,
      ...(sign === -1 ? { powerSign: sign } : {}),
    });
  }
  return createProfileMeter({
    id: meter.id, role: meter.role, profile, link, unit: target.unit, clock: deps.clock, logger: deps.logger,
    ...(meter.powerSign !== undefined ? { powerSign: meter.powerSign } : {}),
    ...(meter.maxRegistersPerRead !== undefined ? { maxRegistersPerRead: meter.maxRegistersPerRead } : {}),
  });
}
