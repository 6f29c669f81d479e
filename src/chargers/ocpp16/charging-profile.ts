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
