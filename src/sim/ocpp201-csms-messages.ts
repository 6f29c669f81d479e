import { z } from 'zod';
import { chargingProfile201Schema, chargingProfilePurpose201Schema } from '../chargers/ocpp201/charging-profile.ts';

/**
 * SIMULATOR: OCPP 2.0.1 payloads as the simulated charging station reads them from the CSMS. ocpp-rpc's strict mode
 * has already checked them against the official schema; these give them types.
 */

const componentSchema = z.object({ name: z.string(), instance: z.string().optional() });
const variableSchema = z.object({ name: z.string(), instance: z.string().optional() });

export const getVariablesRequestSchema = z.object({
  getVariableData: z.array(z.object({ component: componentSchema, variable: variableSchema })),
});

export const setVariablesRequestSchema = z.object({
  setVariableData: z.array(z.object({ component: componentSchema, variable: variableSchema, attributeValue: z.string() })),
});

export const clearChargingProfileRequestSchema = z.object({
  chargingProfileId: z.number().int().optional(),
  chargingProfileCriteria: z.object({
    evseId: z.number().int().optional(),
    chargingProfilePurpose: chargingProfilePurpose201Schema.optional(),
    stackLevel: z.number().int().optional(),
  }).optional(),
});

export const getCompositeScheduleRequestSchema = z.object({
  duration: z.number().int().min(0),
  chargingRateUnit: z.enum(['A', 'W']).optional(),
  evseId: z.number().int(),
});

export const requestStartTransactionRequestSchema = z.object({
  evseId: z.number().int().optional(),
  remoteStartId: z.number().int(),
  idToken: z.object({ idToken: z.string(), type: z.string() }),
  chargingProfile: chargingProfile201Schema.optional(),
});

export const requestStopTransactionRequestSchema = z.object({ transactionId: z.string() });

export const triggerMessageRequestSchema = z.object({
  requestedMessage: z.string(),
  evse: z.object({ id: z.number().int(), connectorId: z.number().int().optional() }).optional(),
});

export const bootNotificationResponseSchema = z.object({
  status: z.enum(['Accepted', 'Pending', 'Rejected']),
  interval: z.number().int(),
  currentTime: z.string(),
});

export const idTokenInfoResponseSchema = z.object({ idTokenInfo: z.object({ status: z.string() }) });
