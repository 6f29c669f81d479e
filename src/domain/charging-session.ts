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
  /** Owner of the card (idTag) in the card list; null for no card or a card not in the list. */
  owner: string | null;
  startedAtMs: number;
  stoppedAtMs: number | null;
  meterStartWh: number | null;
  meterStopWh: number | null;
  /** From the charger's meter; from Sunplug's own accounting when the charger reports no energy. */
  energyWh: number;
  peakPowerW: number;
  stopReason: string | null;
  /** Energy from the PV surplus, Wh (the session's energy times its solar share); null before anything was accounted. */
  solarWh: number | null;
  /** 0..1: the part of the energy that came from the PV surplus; null before anything was accounted. */
  solarShare: number | null;
  /** Grid energy at the import price plus solar energy at the feed-in price, in `currency`; null without prices. */
  cost: number | null;
  currency: string | null;
  /** True when the price was unknown for part of the energy: that part is costed at the session's mean price. */
  costEstimated: boolean;
  /** stoppedAtMs - startedAtMs; null while the session runs. */
  durationMs: number | null;
}
