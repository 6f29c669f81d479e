import type { ChargerStatus } from '../../domain/charger-state.ts';

/**
 * OCPP 2.0.1 splits what 1.6 called the connector status in two: StatusNotification's connectorStatus says whether
 * the connector is free, taken, reserved or out of order, and TransactionEvent's chargingState says what the car does
 * during a transaction. Sunplug's ChargerStatus is the 1.6-shaped combination of both.
 */

export type ConnectorStatus201 = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';
export type ChargingState201 = 'Charging' | 'EVConnected' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle';

const CONNECTOR_STATUSES: readonly string[] = ['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted'];
const CHARGING_STATES: readonly string[] = ['Charging', 'EVConnected', 'SuspendedEV', 'SuspendedEVSE', 'Idle'];

export function isConnectorStatus(value: string): value is ConnectorStatus201 {
  return CONNECTOR_STATUSES.includes(value);
}

export function isChargingState(value: string): value is ChargingState201 {
  return CHARGING_STATES.includes(value);
}

export interface EvseCondition {
  /** Last connectorStatus reported; undefined until the charger says. */
  connectorStatus?: ConnectorStatus201;
  /** chargingState of the open transaction; undefined without one or when the charger did not say. */
  chargingState?: ChargingState201;
  /** A transaction is open on the EVSE. */
  transactionOpen: boolean;
  /** A transaction ended while the connector stayed occupied (the car is still plugged in). */
  endedWhileOccupied: boolean;
}

/**
 * Faults, unavailability and reservations win; then an open transaction's chargingState says what the car does;
 * without one an occupied connector is 'preparing' (plugged, not started) or 'finishing' (stopped, still plugged).
 * Before the charger reported anything the EVSE counts as 'unavailable', as with 1.6.
 */
export function mapOcpp201Status(condition: EvseCondition): ChargerStatus {
  const { connectorStatus, chargingState, transactionOpen } = condition;
  if (connectorStatus === 'Faulted') return 'faulted';
  if (connectorStatus === 'Unavailable') return 'unavailable';
  if (connectorStatus === 'Reserved') return 'reserved';
  if (transactionOpen && chargingState !== undefined && chargingState !== 'Idle') {
    if (chargingState === 'Charging') return 'charging';
    if (chargingState === 'SuspendedEV') return 'suspended-ev';
    if (chargingState === 'SuspendedEVSE') return 'suspended-evse';
    return 'preparing'; // EVConnected: plugged in, energy not flowing yet
  }
  if (connectorStatus === 'Occupied') return condition.endedWhileOccupied ? 'finishing' : 'preparing';
  if (connectorStatus === 'Available') return 'available';
  return 'unavailable';
}
