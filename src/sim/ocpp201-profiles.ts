import type { ChargingProfile, ChargingProfilePurpose } from '../chargers/ocpp16/charging-profile.ts';
import type { ChargingProfile201 } from '../chargers/ocpp201/charging-profile.ts';

/**
 * SIMULATOR: 2.0.1 charging profiles stack by the same rules as 1.6 ones (purposes, stack levels, EVSE 0 as the
 * station-wide default, validity and schedule time), so the simulated 2.0.1 station keeps them in the shared
 * ChargingProfileStack after this translation. What differs is naming (ChargingStationMaxProfile), string transaction
 * ids, and up to three schedules per profile, of which a station without ISO 15118 uses the first.
 */

export interface OpenTransaction {
  /** The id the station reports. */
  wireId: string;
  /** The number the profile stack and outlet know the transaction by. */
  id: number;
}

const PURPOSES: Partial<Record<ChargingProfile201['chargingProfilePurpose'], ChargingProfilePurpose>> = {
  ChargingStationMaxProfile: 'ChargePointMaxProfile',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
};

/** The stack's form of `profile`, or why the station refuses it. */
export function toStackProfile(profile: ChargingProfile201, transaction: OpenTransaction | undefined): { profile: ChargingProfile } | { why: string } {
  const purpose = PURPOSES[profile.chargingProfilePurpose];
  // ChargingStationExternalConstraints come from a local EMS or the grid operator, never from the CSMS.
  if (purpose === undefined) return { why: `${profile.chargingProfilePurpose} cannot be set by the CSMS` };
  const schedule = profile.chargingSchedule[0];
  if (schedule === undefined) return { why: 'no charging schedule' };
  let transactionId: number | undefined;
  if (profile.transactionId !== undefined) {
    if (transaction === undefined || transaction.wireId !== profile.transactionId) return { why: 'transactionId does not match' };
    transactionId = transaction.id;
  }
  return {
    profile: {
      chargingProfileId: profile.id,
      stackLevel: profile.stackLevel,
      chargingProfilePurpose: purpose,
      chargingProfileKind: profile.chargingProfileKind,
      ...(profile.recurrencyKind !== undefined ? { recurrencyKind: profile.recurrencyKind } : {}),
      ...(profile.validFrom !== undefined ? { validFrom: profile.validFrom } : {}),
      ...(profile.validTo !== undefined ? { validTo: profile.validTo } : {}),
      ...(transactionId !== undefined ? { transactionId } : {}),
      chargingSchedule: {
        ...(schedule.duration !== undefined ? { duration: schedule.duration } : {}),
        ...(schedule.startSchedule !== undefined ? { startSchedule: schedule.startSchedule } : {}),
        chargingRateUnit: schedule.chargingRateUnit,
        chargingSchedulePeriod: schedule.chargingSchedulePeriod.map((period) => ({
          startPeriod: period.startPeriod,
          limit: period.limit,
          ...(period.numberPhases !== undefined ? { numberPhases: period.numberPhases } : {}),
        })),
        ...(schedule.minChargingRate !== undefined ? { minChargingRate: schedule.minChargingRate } : {}),
      },
    },
  };
}
