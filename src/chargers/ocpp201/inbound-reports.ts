import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { InboundCall } from '../ocpp-rpc-types.ts';
import type { DeviceModel } from './device-model.ts';
import { notifyReportSchema, reportChargingProfilesSchema, statusWithRequestSchema } from './messages.ts';

/**
 * Reports a 2.0.1 charger sends that change nothing Sunplug controls: its device inventory (kept), firmware and log
 * upload progress and its stored charging profiles (logged). All are acknowledged, readable or not, so that the
 * charger does not retry them.
 */

const ACK = {};

/** NotifyReport (the answer to GetBaseReport/GetReport, possibly in several parts): records every reported variable. */
export function inventoryHandler(model: DeviceModel, clock: Clock, logger: Logger): (call: InboundCall) => object {
  return (call) => {
    const parsed = notifyReportSchema.safeParse(call.params);
    if (!parsed.success) {
      logger.warn({ issues: parsed.error.issues.length }, 'ocpp201: unreadable NotifyReport ignored');
      return ACK;
    }
    const atMs = clock.nowMs();
    for (const data of parsed.data.reportData ?? []) {
      const actual = data.variableAttribute.find((attribute) => attribute.type === undefined || attribute.type === 'Actual');
      const characteristics = data.variableCharacteristics;
      model.record({
        component: data.component,
        variable: data.variable,
        atMs,
        ...(actual?.value !== undefined ? { value: actual.value } : {}),
        ...(actual?.mutability !== undefined ? { mutability: actual.mutability } : {}),
        ...(characteristics?.unit !== undefined ? { unit: characteristics.unit } : {}),
        ...(characteristics?.dataType !== undefined ? { dataType: characteristics.dataType } : {}),
        ...(characteristics?.valuesList !== undefined ? { valuesList: characteristics.valuesList } : {}),
      });
    }
    logger.debug({ requestId: parsed.data.requestId, seqNo: parsed.data.seqNo, more: parsed.data.tbc === true, variables: model.size }, 'ocpp201: device report');
    return ACK;
  };
}

/** Handlers that log and acknowledge. */
export function logOnlyHandlers(logger: Logger): ReadonlyMap<string, (call: InboundCall) => object> {
  const status = (what: string) => (call: InboundCall): object => {
    const parsed = statusWithRequestSchema.safeParse(call.params);
    if (parsed.success) logger.info({ status: parsed.data.status, requestId: parsed.data.requestId }, `ocpp201: ${what}`);
    else logger.warn({ issues: parsed.error.issues.length }, `ocpp201: unreadable ${what} acknowledged`);
    return ACK;
  };
  return new Map([
    ['FirmwareStatusNotification', status('firmware status')],
    ['LogStatusNotification', status('log upload status')],
    ['ReportChargingProfiles', (call: InboundCall): object => {
      const parsed = reportChargingProfilesSchema.safeParse(call.params);
      if (!parsed.success) {
        logger.warn({ issues: parsed.error.issues.length }, 'ocpp201: unreadable ReportChargingProfiles acknowledged');
        return ACK;
      }
      const profiles = (parsed.data.chargingProfile ?? []).map((p) => `${p.chargingProfilePurpose}#${p.id}@${p.stackLevel}`);
      logger.info({ evseId: parsed.data.evseId, source: parsed.data.chargingLimitSource, profiles }, 'ocpp201: charging profiles on the charger');
      return ACK;
    }],
  ]);
}
