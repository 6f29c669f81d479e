import { z } from 'zod';
import { isoTime } from '../ocpp16/messages.ts';

/**
 * OCPP 2.0.1 charging profiles (spec part 2, K "Smart charging"). The schemas serve a simulated 2.0.1 charging station,
 * which reads what the CSMS sends; the builder serves the adapter, whose output is also checked against ocpp-rpc's
 * 2.0.1 schema before it is sent.
 */

export const chargingSchedulePeriod201Schema = z.object({
  startPeriod: z.number().int().min(0),
  limit: z.number().min(0),
  numberPhases: z.number().int().min(1).max(3).optional(),
  phaseToUse: z.number().int().min(1).max(3).optional(),
});

export const chargingSchedule201Schema = z.object({
  id: z.number().int(),
  startSchedule: z.string().optional(),
  /** Seconds from the schedule start; absent = the last period lasts indefinitely. */
  duration: z.number().int().min(0).optional(),
  chargingRateUnit: z.enum(['A', 'W']),
  chargingSchedulePeriod: z.array(chargingSchedulePeriod201Schema).min(1),
  minChargingRate: z.number().optional(),
});

export const chargingProfilePurpose201Schema = z.enum([
  'ChargingStationMaxProfile', 'TxDefaultProfile', 'TxProfile', 'ChargingStationExternalConstraints',
]);
export type ChargingProfilePurpose201 = z.infer<typeof chargingProfilePurpose201Schema>;

export const chargingProfile201Schema = z.object({
  id: z.number().int(),
  stackLevel: z.number().int().min(0),
  chargingProfilePurpose: chargingProfilePurpose201Schema,
  chargingProfileKind: z.enum(['Absolute', 'Recurring', 'Relative']),
  recurrencyKind: z.enum(['Daily', 'Weekly']).optional(),
  validFrom: z.string().optional(),
  validTo: z.string().optional(),
  /** 2.0.1 transaction ids are strings chosen by the charging station. */
  transactionId: z.string().optional(),
  chargingSchedule: z.array(chargingSchedule201Schema).min(1).max(3),
});
export type ChargingProfile201 = z.infer<typeof chargingProfile201Schema>;

export const setChargingProfile201RequestSchema = z.object({
  evseId: z.number().int().min(0),
  chargingProfile: chargingProfile201Schema,
});
export type SetChargingProfile201Request = z.infer<typeof setChargingProfile201RequestSchema>;

export interface TxDefaultProfile201Input {
  evseId: number;
  chargingProfileId: number;
  chargingScheduleId: number;
  stackLevel: number;
  /** When the schedule starts; the adapter passes now minus a minute so small clock skew cannot delay it. */
  startScheduleMs: number;
  unit: 'A' | 'W';
  /** A per phase or W total, already a multiple of 0.1. */
  limit: number;
  numberPhases: 1 | 3;
  /**
   * Fail-safe: when the profile stops counting, ms. Also written as the schedule's duration, for chargers that look
   * only at the schedule; after it the safe default beneath takes over.
   */
  validToMs?: number;
}

/**
 * One open-ended period, Absolute, TxDefaultProfile, fixed profile id and stack level: each write replaces the
 * previous one in place instead of piling up profiles (reference §2.2, §5), the same shape as the 1.6 adapter's.
 */
export function txDefaultProfile201Request(input: TxDefaultProfile201Input): SetChargingProfile201Request {
  const expiring = input.validToMs !== undefined;
  return {
    evseId: input.evseId,
    chargingProfile: {
      id: input.chargingProfileId,
      stackLevel: input.stackLevel,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      ...(expiring ? { validTo: isoTime(input.validToMs ?? 0) } : {}),
      chargingSchedule: [{
        id: input.chargingScheduleId,
        startSchedule: isoTime(input.startScheduleMs),
        ...(expiring ? { duration: Math.max(1, Math.ceil(((input.validToMs ?? 0) - input.startScheduleMs) / 1000)) } : {}),
        chargingRateUnit: input.unit,
        chargingSchedulePeriod: [{ startPeriod: 0, limit: input.limit, numberPhases: input.numberPhases }],
      }],
    },
  };
}

export interface SafeDefaultProfile201Input {
  evseId: number;
  chargingProfileId: number;
  /** Stack level beneath Sunplug's dynamic limit (0). */
  stackLevel: number;
  startScheduleMs: number;
  unit: 'A' | 'W';
  limit: number;
  /** Given for W limits (the total depends on it); A limits are per phase whatever the phases. */
  numberPhases?: 1 | 3;
}

/**
 * The fail-safe default (DESIGN.md safety model 3): TxDefaultProfile at the lowest stack level, open-ended, holding
 * the site's safe current. Sunplug's dynamic limit sits above it on the same EVSE and expires; when Sunplug stops
 * renewing it the charger falls back to this one by itself. Not ChargingStationMaxProfile: that one caps every other
 * profile, so the dynamic limit could never rise above the safe current.
 */
export function safeDefaultProfile201Request(input: SafeDefaultProfile201Input): SetChargingProfile201Request {
  return {
    evseId: input.evseId,
    chargingProfile: {
      id: input.chargingProfileId,
      stackLevel: input.stackLevel,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: [{
        id: input.chargingProfileId,
        startSchedule: isoTime(input.startScheduleMs),
        chargingRateUnit: input.unit,
        chargingSchedulePeriod: [{ startPeriod: 0, limit: input.limit, ...(input.numberPhases !== undefined ? { numberPhases: input.numberPhases } : {}) }],
      }],
    },
  };
}
