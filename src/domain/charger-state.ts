/**
 * Charge modes a homeowner picks per charger: `off`; `solar` (surplus only); `minsolar` (the minimum current always,
 * more when the sun allows); `fast` (as much as the fuse allows); `plan` (reach a target energy or state of charge by a
 * departure time at the lowest expected cost, from the tariff and the solar forecast).
 */
export const CHARGE_MODES = ['off', 'solar', 'minsolar', 'fast', 'plan'] as const;
export type ChargeMode = (typeof CHARGE_MODES)[number];

/**
 * Connector status in Sunplug's words, mapped from OCPP 1.6 and 2.0.1 status values by each adapter.
 * `offline` means no OCPP connection.
 */
export type ChargerStatus =
  | 'offline'
  | 'available'
  | 'preparing'
  | 'charging'
  | 'suspended-ev'
  | 'suspended-evse'
  | 'finishing'
  | 'reserved'
  | 'unavailable'
  | 'faulted';

/** What the control loop knows about one charger. Power and currents are the charger's own measurement. */
export interface ChargerState {
  id: string;
  connected: boolean;
  status: ChargerStatus;
  /** A car is plugged in (status preparing, charging, suspended-*, finishing). */
  vehicleConnected: boolean;
  transactionId?: string;
  /** Total active power drawn, W, >= 0. */
  powerW: number;
  /** Current per charger phase (the charger's L1..L3, not the grid's), A. */
  phaseCurrentsA?: readonly number[];
  /** Current the charger offers the car per phase, A, as reported by the charger. */
  offeredCurrentA?: number;
  /** Session energy so far, Wh. */
  sessionEnergyWh?: number;
  /** When the power/current values were measured. */
  measuredAtMs?: number;
}

export function isVehicleConnectedStatus(status: ChargerStatus): boolean {
  return status === 'preparing' || status === 'charging' || status === 'suspended-ev' ||
    status === 'suspended-evse' || status === 'finishing';
}
