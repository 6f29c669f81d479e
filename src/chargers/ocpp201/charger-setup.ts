import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import { describeCallFailure, type OcppConnection } from '../ocpp-rpc-types.ts';
import { SAMPLED_DATA_VARIABLES, SMART_CHARGING_VARIABLES, type DeviceModel } from './device-model.ts';
import { getVariablesResponseSchema, setVariablesResponseSchema, statusResponseSchema, type Variable } from './messages.ts';

/**
 * The calls Sunplug makes to a 2.0.1 charger after it boots. Each one fails on its own and is logged: a charger that
 * refuses to sample Voltage still gets its limits, just with fewer measurements.
 */

/** Measurands Sunplug asks every 2.0.1 charger to send during transactions (SampledDataCtrlr.TxUpdatedMeasurands). */
export const DESIRED_MEASURANDS_201 = [
  'Energy.Active.Import.Register',
  'Power.Active.Import',
  'Current.Import',
  'Current.Offered',
  'Voltage',
] as const;

/**
 * Reads SmartChargingCtrlr and SampledDataCtrlr into `model`, one GetVariables per component so that a charger
 * which does not know one component still answers for the other (some cap the items per message, too).
 */
export async function readDeviceModel(connection: OcppConnection, logger: Logger, clock: Clock, model: DeviceModel): Promise<void> {
  await getVariables(connection, logger, clock, model, 'SmartChargingCtrlr', SMART_CHARGING_VARIABLES);
  await getVariables(connection, logger, clock, model, 'SampledDataCtrlr', SAMPLED_DATA_VARIABLES);
}

/** Asks for the measurands Sunplug uses, sent every `intervalS` while a transaction runs. */
export async function configureSampledData(connection: OcppConnection, logger: Logger, clock: Clock, model: DeviceModel, intervalS: number): Promise<void> {
  await setVariable(connection, logger, clock, model, 'SampledDataCtrlr', { name: 'TxUpdatedMeasurands' }, DESIRED_MEASURANDS_201.join(','));
  await setVariable(connection, logger, clock, model, 'SampledDataCtrlr', { name: 'TxUpdatedInterval' }, String(intervalS));
}

/** Asks for the connector status when the charger did not send one by itself (e.g. after a reconnect). */
export async function triggerStatusNotification(connection: OcppConnection, logger: Logger, evseId: number, connectorId: number): Promise<void> {
  try {
    const parsed = statusResponseSchema.safeParse(await connection.call('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: evseId, connectorId } }));
    if (!parsed.success || parsed.data.status !== 'Accepted') logger.debug('ocpp201: TriggerMessage StatusNotification not accepted');
  } catch (error) {
    logger.debug({ detail: describeCallFailure(error).detail }, 'ocpp201: TriggerMessage StatusNotification failed');
  }
}

async function getVariables(
  connection: OcppConnection, logger: Logger, clock: Clock, model: DeviceModel, componentName: string, variables: readonly Variable[],
): Promise<void> {
  const getVariableData = variables.map((variable) => ({ component: { name: componentName }, variable: { ...variable } }));
  try {
    const parsed = getVariablesResponseSchema.safeParse(await connection.call('GetVariables', { getVariableData }));
    if (!parsed.success) {
      logger.warn({ component: componentName }, 'ocpp201: unreadable GetVariables response; using defaults');
      return;
    }
    const unknown: string[] = [];
    for (const result of parsed.data.getVariableResult) {
      if (result.attributeStatus !== 'Accepted' || result.attributeValue === undefined) {
        unknown.push(`${result.variable.name}: ${result.attributeStatus}`);
        continue;
      }
      model.record({ component: result.component, variable: result.variable, value: result.attributeValue, atMs: clock.nowMs() });
    }
    if (unknown.length > 0) logger.debug({ component: componentName, unknown }, 'ocpp201: variables not reported');
  } catch (error) {
    logger.warn({ component: componentName, detail: describeCallFailure(error).detail }, 'ocpp201: GetVariables failed; using defaults');
  }
}

async function setVariable(
  connection: OcppConnection, logger: Logger, clock: Clock, model: DeviceModel, componentName: string, variable: Variable, value: string,
): Promise<void> {
  const component = { name: componentName };
  try {
    const parsed = setVariablesResponseSchema.safeParse(await connection.call('SetVariables', {
      setVariableData: [{ component, variable, attributeValue: value }],
    }));
    const result = parsed.success ? parsed.data.setVariableResult[0] : undefined;
    const status = result?.attributeStatus ?? 'unreadable';
    if (status === 'Accepted') {
      model.record({ component, variable, value, atMs: clock.nowMs() });
      return;
    }
    if (status === 'RebootRequired') {
      // Not recorded: until the charger reboots it still works with the old value.
      logger.info({ variable: variable.name }, 'ocpp201: variable set; takes effect after the next reboot');
      return;
    }
    logger.warn({ variable: variable.name, value, status, reason: result?.attributeStatusInfo?.reasonCode }, 'ocpp201: variable not set');
  } catch (error) {
    logger.warn({ variable: variable.name, detail: describeCallFailure(error).detail }, 'ocpp201: SetVariables failed');
  }
}
