import { z } from 'zod';
import { chargingProfilePurposeSchema, chargingProfileSchema } from '../chargers/ocpp16/charging-profile.ts';

/**
 * SIMULATOR: OCPP 1.6 payloads as the simulated charge point reads them from the central system. ocpp-rpc's strict
 * mode has already checked them against the official schema; these give them types.
 */

export const getConfigurationRequestSchema = z.object({ key: z.array(z.string()).optional() });
export const changeConfigurationRequestSchema = z.object({ key: z.string(), value: z.string() });

export const clearChargingProfileRequestSchema = z.object({
  id: z.number().int().optional(),
  connectorId: z.number().int().optional(),
  chargingProfilePurpose: chargingProfilePurposeSchema.optional(),
  stackLevel: z.number().int().optional(),
});

export const getCompositeScheduleRequestSchema = z.object({
  connectorId: z.number().int(),
  duration: z.number().int().min(0),
  chargingRateUnit: z.enum(['A', 'W']).optional(),
});

export const remoteStartTransactionRequestSchema = z.object({
  connectorId: z.number().int().optional(),
  idTag: z.string(),
  chargingProfile: chargingProfileSchema.optional(),
});

export const remoteStopTransactionRequestSchema = z.object({ transactionId: z.number().int() });

export const triggerMessageRequestSchema = z.object({
  requestedMessage: z.string(),
  connectorId: z.number().int().optional(),
});

const idTagInfoSchema = z.object({ status: z.string() });

export const bootNotificationResponseSchema = z.object({
  status: z.enum(['Accepted', 'Pending', 'Rejected']),
  interval: z.number().int(),
  currentTime: z.string(),
});

export const authorizeResponseSchema = z.object({ idTagInfo: idTagInfoSchema });

export const startTransactionResponseSchema = z.object({
  transactionId: z.number().int(),
  idTagInfo: idTagInfoSchema,
});
