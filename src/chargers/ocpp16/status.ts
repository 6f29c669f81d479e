import type { ChargerStatus } from '../../domain/charger-state.ts';

/** OCPP 1.6 ChargePointStatus values and Sunplug's words for them. */
const STATUS_MAP: Record<string, ChargerStatus> = {
  Available: 'available',
  Preparing: 'preparing',
  Charging: 'charging',
  SuspendedEV: 'suspended-ev',
  SuspendedEVSE: 'suspended-evse',
  Finishing: 'finishing',
  Reserved: 'reserved',
  Unavailable: 'unavailable',
  Faulted: 'faulted',
};

/** Undefined for a status outside the 1.6 enum; the caller logs it and keeps the previous status. */
export function mapOcpp16Status(status: string): ChargerStatus | undefined {
  return Object.hasOwn(STATUS_MAP, status) ? STATUS_MAP[status] : undefined;
}
