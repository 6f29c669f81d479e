import type { Logger } from '../../platform/logger.ts';
import { describeCallFailure, type OcppConnection } from '../ocpp-rpc-types.ts';
import type { ReportedVariable } from './device-model.ts';
import { statusResponseSchema } from './messages.ts';

/**
 * The device inventory of a 2.0.1 station: after boot Sunplug asks for GetBaseReport FullInventory; the station
 * answers in NotifyReport parts (inbound-reports.ts puts every variable into the DeviceModel), and this file turns
 * the variables into what an installer wants to see: who made it, which firmware, which EVSEs and connectors, and
 * what it says about smart charging.
 */

export interface InventoryConnector {
  id: number;
  connectorType?: string;
  supplyPhases?: number;
  availability?: string;
}

export interface InventoryEvse {
  id: number;
  /** EVSE.Power maxLimit is not kept; the Actual value the station reports, W. */
  powerW?: number;
  supplyPhases?: number;
  availability?: string;
  connectors: InventoryConnector[];
}

export interface DeviceInventory {
  vendor: string | null;
  model: string | null;
  serialNumber: string | null;
  firmwareVersion: string | null;
  evses: InventoryEvse[];
  /** SmartChargingCtrlr variables as reported (name[instance] → value). */
  smartCharging: Record<string, string>;
  /** Variables the station reported in all. */
  variables: number;
  /** When Sunplug last learned a variable, ms; null before any. */
  updatedAtMs: number | null;
}

export interface BootIdentity201 {
  vendor?: string | undefined;
  model?: string | undefined;
  serialNumber?: string | undefined;
  firmwareVersion?: string | undefined;
}

/** Request id of Sunplug's GetBaseReport; NotifyReport parts carry it back. */
export const BASE_REPORT_REQUEST_ID = 1;

/** Asks for the full inventory. The station answers Accepted and sends NotifyReport parts afterwards. */
export async function requestBaseReport(connection: OcppConnection, logger: Logger): Promise<void> {
  try {
    const parsed = statusResponseSchema.safeParse(await connection.call('GetBaseReport', { requestId: BASE_REPORT_REQUEST_ID, reportBase: 'FullInventory' }));
    const status = parsed.success ? parsed.data.status : 'unreadable';
    if (status !== 'Accepted') logger.info({ status }, 'ocpp201: no device inventory (GetBaseReport not accepted)');
  } catch (error) {
    logger.info({ detail: describeCallFailure(error).detail }, 'ocpp201: GetBaseReport failed; no device inventory');
  }
}

/** Assembles the inventory from the boot identity and every reported variable. */
export function deviceInventory(boot: BootIdentity201, variables: ReadonlyMap<string, ReportedVariable>): DeviceInventory {
  const all = [...variables.values()];
  const stationValue = (name: string): string | undefined =>
    all.find((v) => v.component.name === 'ChargingStation' && v.component.evse === undefined && v.variable.name === name)?.value;
  const evses = new Map<number, InventoryEvse>();
  const evseOf = (id: number): InventoryEvse => {
    let evse = evses.get(id);
    if (evse === undefined) {
      evse = { id, connectors: [] };
      evses.set(id, evse);
    }
    return evse;
  };
  const smartCharging: Record<string, string> = {};
  let updatedAtMs: number | null = null;
  for (const entry of all) {
    updatedAtMs = Math.max(updatedAtMs ?? entry.atMs, entry.atMs);
    const { component, variable, value } = entry;
    if (component.name === 'SmartChargingCtrlr' && value !== undefined) {
      smartCharging[`${variable.name}${variable.instance !== undefined ? `[${variable.instance}]` : ''}`] = value;
    }
    const evseRef = component.evse;
    if (evseRef === undefined || !Number.isInteger(evseRef.id) || evseRef.id < 1) continue;
    if (component.name === 'EVSE') {
      const evse = evseOf(evseRef.id);
      if (variable.name === 'Power' && numeric(value) !== undefined) evse.powerW = numeric(value);
      if (variable.name === 'SupplyPhases' && numeric(value) !== undefined) evse.supplyPhases = numeric(value);
      if (variable.name === 'AvailabilityState' && value !== undefined) evse.availability = value;
    } else if (component.name === 'Connector' && evseRef.connectorId !== undefined) {
      const evse = evseOf(evseRef.id);
      let connector = evse.connectors.find((c) => c.id === evseRef.connectorId);
      if (connector === undefined) {
        connector = { id: evseRef.connectorId };
        evse.connectors.push(connector);
      }
      if (variable.name === 'ConnectorType' && value !== undefined) connector.connectorType = value;
      if (variable.name === 'SupplyPhases' && numeric(value) !== undefined) connector.supplyPhases = numeric(value);
      if (variable.name === 'AvailabilityState' && value !== undefined) connector.availability = value;
    }
  }
  const sorted = [...evses.values()].sort((a, b) => a.id - b.id);
  for (const evse of sorted) evse.connectors.sort((a, b) => a.id - b.id);
  return {
    vendor: boot.vendor ?? stationValue('VendorName') ?? null,
    model: boot.model ?? stationValue('Model') ?? null,
    serialNumber: boot.serialNumber ?? stationValue('SerialNumber') ?? null,
    firmwareVersion: boot.firmwareVersion ?? stationValue('FirmwareVersion') ?? null,
    evses: sorted,
    smartCharging,
    variables: all.length,
    updatedAtMs,
  };
}

function numeric(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*-?\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value);
}
