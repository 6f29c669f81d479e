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

/** Asks for the measurands Sunplug uses, sampled every `intervalS` during transactions. */
export async function configureMetering(connection: OcppConnection, logger: Logger, intervalS: number): Promise<void> {
  await changeConfiguration(connection, logger, 'MeterValuesSampledData', DESIRED_MEASURANDS.join(','));
  await changeConfiguration(connection, logger, 'MeterValueSampleInterval', String(intervalS));
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
