/**
 * What a charger tells about a charging transaction, in the charger's own time (`atMs` comes from the message's
 * timestamp where it has one, so messages a charger queued while offline keep their original time).
 * Energies in Wh, power in W.
 */
export type TransactionEvent =
  | { kind: 'started'; chargerId: string; transactionId: string; atMs: number; idTag?: string; meterStartWh?: number }
  | { kind: 'meter'; chargerId: string; transactionId: string; atMs: number; sessionEnergyWh?: number; powerW?: number }
  | { kind: 'ended'; chargerId: string; transactionId: string; atMs: number; meterStopWh?: number; sessionEnergyWh?: number; stopReason?: string };

/** A charging session as stored and shown: one transaction on one charger. */
export interface ChargingSession {
  id: number;
  chargerId: string;
  transactionId: string;
  idTag: string | null;
  startedAtMs: number;
  stoppedAtMs: number | null;
  meterStartWh: number | null;
  meterStopWh: number | null;
  energyWh: number;
  peakPowerW: number;
  stopReason: string | null;
}
