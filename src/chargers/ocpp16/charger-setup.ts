import type { Logger } from '../../platform/logger.ts';
import { describeCallFailure, type OcppConnection } from '../ocpp-rpc-types.ts';
import { CAPABILITY_KEYS, parseCapabilities, type Ocpp16Capabilities } from './charger-configuration.ts';
import { DESIRED_MEASURANDS, getConfigurationResponseSchema, statusResponseSchema } from './messages.ts';

/**
 * The calls Sunplug makes to a 1.6 charger after it boots. Each one fails on its own and is logged: a charger that
 * refuses to sample Voltage still gets its limits, just with fewer measurements.
 */

/** Reads the configuration keys that shape profile writes; undefined when the charger does not answer usefully. */
export async function readCapabilities(connection: OcppConnection, logger: Logger): Promise<Ocpp16Capabilities | undefined> {
  try {
    const parsed = getConfigurationResponseSchema.safeParse(await connection.call('GetConfiguration', { key: [...CAPABILITY_KEYS] }));
    if (!parsed.success) {
      logger.warn('ocpp16: unreadable GetConfiguration response; using defaults');
      return undefined;
    }
    const capabilities = parseCapabilities(parsed.data);
    const { maxStackLevel, rateUnits, featureProfiles } = capabilities;
    logger.info({ maxStackLevel, rateUnits: rateUnits && [...rateUnits], featureProfiles: featureProfiles && [...featureProfiles] }, 'ocpp16: capabilities');
    if (featureProfiles && !featureProfiles.has('SmartCharging')) logger.warn('ocpp16: charger does not list SmartCharging; limits may be refused');
    return capabilities;
  } catch (error) {
    logger.warn({ detail: describeCallFailure(error).detail }, 'ocpp16: GetConfiguration failed; using defaults');
    return undefined;
  }
}

export interface MeteringSetup {
  /** Measurands left out (quirks table: a charger that reports them wrongly). */
  exclude?: readonly string[];
  /** false: MeterValuesSampledData is left as it is (writing it reboot-loops some firmware). */
  configureMeasurands?: boolean;
}

/** Asks for the measurands Sunplug uses, sampled every `intervalS` during transactions. */
export async function configureMetering(connection: OcppConnection, logger: Logger, intervalS: number, setup: MeteringSetup = {}): Promise<void> {
  if (setup.configureMeasurands !== false) {
    const measurands = DESIRED_MEASURANDS.filter((m) => !(setup.exclude ?? []).includes(m));
    await changeConfiguration(connection, logger, 'MeterValuesSampledData', measurands.join(','));
  }
  await changeConfiguration(connection, logger, 'MeterValueSampleInterval', String(intervalS));
}

/** Asks a charger that connected without booting for its BootNotification; true when it agreed to send one. */
export async function triggerBootNotification(connection: OcppConnection, logger: Logger): Promise<boolean> {
  try {
    const parsed = statusResponseSchema.safeParse(await connection.call('TriggerMessage', { requestedMessage: 'BootNotification' }));
    const accepted = parsed.success && parsed.data.status === 'Accepted';
    if (!accepted) logger.debug('ocpp16: TriggerMessage BootNotification not accepted');
    return accepted;
  } catch (error) {
    logger.debug({ detail: describeCallFailure(error).detail }, 'ocpp16: TriggerMessage BootNotification failed');
    return false;
  }
}

/** Asks for the connector status when the charger did not send one by itself (e.g. after a reconnect). */
export async function triggerStatusNotification(connection: OcppConnection, logger: Logger, connectorId: number): Promise<void> {
  try {
    const parsed = statusResponseSchema.safeParse(await connection.call('TriggerMessage', { requestedMessage: 'StatusNotification', connectorId }));
    if (!parsed.success || parsed.data.status !== 'Accepted') logger.debug('ocpp16: TriggerMessage StatusNotification not accepted');
  } catch (error) {
    logger.debug({ detail: describeCallFailure(error).detail }, 'ocpp16: TriggerMessage StatusNotification failed');
  }
}

async function changeConfiguration(connection: OcppConnection, logger: Logger, key: string, value: string): Promise<void> {
  try {
    const parsed = statusResponseSchema.safeParse(await connection.call('ChangeConfiguration', { key, value }));
    const status = parsed.success ? parsed.data.status : 'unreadable';
    if (status !== 'Accepted') logger.warn({ key, value, status }, 'ocpp16: configuration not changed');
  } catch (error) {
    logger.warn({ key, detail: describeCallFailure(error).detail }, 'ocpp16: ChangeConfiguration failed');
  }
}
