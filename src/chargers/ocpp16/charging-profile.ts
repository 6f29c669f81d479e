import { z } from 'zod';
import { isoTime } from './messages.ts';

/**
 * OCPP 1.6 charging profiles (spec §7.13). The schema serves the simulated charge point, which reads what the CSMS
 * sends; the builder serves the adapter, whose output is also checked against ocpp-rpc's schema before it is sent.
 */

export const chargingSchedulePeriodSchema = z.object({
  startPeriod: z.number().int().min(0),
  limit: z.number().min(0),
  numberPhases: z.number().int().min(1).max(3).optional(),
});

export const chargingScheduleSchema = z.object({
  /** Seconds from the schedule start; absent = the last period lasts indefinitely. */
  duration: z.number().int().min(0).optional(),
  startSchedule: z.string().optional(),
  chargingRateUnit: z.enum(['A', 'W']),
  chargingSchedulePeriod: z.array(chargingSchedulePeriodSchema).min(1),
  minChargingRate: z.number().optional(),
});

export const chargingProfilePurposeSchema = z.enum(['ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile']);
export type ChargingProfilePurpose = z.infer<typeof chargingProfilePurposeSchema>;

export const chargingProfileSchema = z.object({
  chargingProfileId: z.number().int(),
  transactionId: z.number().int().optional(),
  stackLevel: z.number().int().min(0),
  chargingProfilePurpose: chargingProfilePurposeSchema,
  chargingProfileKind: z.enum(['Absolute', 'Recurring', 'Relative']),
  recurrencyKind: z.enum(['Daily', 'Weekly']).optional(),
  validFrom: z.string().optional(),
  validTo: z.string().optional(),
  chargingSchedule: chargingScheduleSchema,
});
export type ChargingProfile = z.infer<typeof chargingProfileSchema>;

export const setChargingProfileRequestSchema = z.object({
  connectorId: z.number().int().min(0),
  csChargingProfiles: chargingProfileSchema,
});
export type SetChargingProfileRequest = z.infer<typeof setChargingProfileRequestSchema>;

export interface TxDefaultProfileInput {
  connectorId: number;
  chargingProfileId: number;
  stackLevel: number;
  /** When the schedule starts; the adapter passes now minus a minute so small clock skew cannot delay it. */
  startScheduleMs: number;
  unit: 'A' | 'W';
  /** A per phase or W total, already a multiple of 0.1. */
  limit: number;
  numberPhases: 1 | 3;
}

/**
 * One open-ended period, Absolute, TxDefaultProfile, fixed id and stack level: each write overwrites the previous one
 * in place instead of piling up profiles (reference §2.1, §5).
 */
export function txDefaultProfileRequest(input: TxDefaultProfileInput): SetChargingProfileRequest {
  return {
    connectorId: input.connectorId,
    csChargingProfiles: {
      chargingProfileId: input.chargingProfileId,
      stackLevel: input.stackLevel,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: {
        startSchedule: isoTime(input.startScheduleMs),
        chargingRateUnit: input.unit,
        chargingSchedulePeriod: [{ startPeriod: 0, limit: input.limit, numberPhases: input.numberPhases }],
      },
    },
  };
}

export interface ChargingProfileInput {
  connectorId: number;
  chargingProfileId: number;
  stackLevel: number;
  purpose: 'TxDefaultProfile' | 'TxProfile';
  /** Required by the charger for a TxProfile; ignored for other purposes. */
  transactionId?: number;
  /** Absolute starts at `startScheduleMs`; Relative at the start of the transaction (some firmware wants it). */
  kind: 'Absolute' | 'Relative';
  startScheduleMs: number;
  unit: 'A' | 'W';
  /** A per phase or W total, already a multiple of 0.1. */
  limit: number;
  /** Omitted when undefined (for chargers that refuse or ignore it). */
  numberPhases?: 1 | 3;
  /** The profile stops applying at this moment (validTo), ms since the epoch. */
  validToMs?: number;
  /** The schedule ends this long after its start, s. */
  durationS?: number;
  /** A second period from `startPeriodS` on, with `limit`: a profile that falls back to a lower value by itself. */
  tail?: { startPeriodS: number; limit: number };
}

/**
 * Any profile Sunplug writes. One open-ended period unless a tail is given; validTo and duration bound it in time
 * so that the charger drops it by itself when Sunplug stops renewing it (DESIGN.md safety model 3).
 */
export function chargingProfileRequest(input: ChargingProfileInput): SetChargingProfileRequest {
  const period = (startPeriod: number, limit: number): z.infer<typeof chargingSchedulePeriodSchema> =>
    (input.numberPhases !== undefined ? { startPeriod, limit, numberPhases: input.numberPhases } : { startPeriod, limit });
  const periods = [period(0, input.limit)];
  if (input.tail !== undefined) periods.push(period(input.tail.startPeriodS, input.tail.limit));
  return {
    connectorId: input.connectorId,
    csChargingProfiles: {
      chargingProfileId: input.chargingProfileId,
      ...(input.purpose === 'TxProfile' && input.transactionId !== undefined ? { transactionId: input.transactionId } : {}),
      stackLevel: input.stackLevel,
      chargingProfilePurpose: input.purpose,
      chargingProfileKind: input.kind,
      ...(input.validToMs !== undefined ? { validTo: isoTime(input.validToMs) } : {}),
      chargingSchedule: {
        ...(input.durationS !== undefined ? { duration: input.durationS } : {}),
        ...(input.kind === 'Absolute' ? { startSchedule: isoTime(input.startScheduleMs) } : {}),
        chargingRateUnit: input.unit,
        chargingSchedulePeriod: periods,
      },
    },
  };
}
