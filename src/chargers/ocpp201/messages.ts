import { z } from 'zod';

/**
 * OCPP 2.0.1 payloads as Sunplug reads them. Like the 1.6 ones these are deliberately tolerant: they require only what
 * we use and ignore the rest, because real firmware sends slightly-off frames (reference §1.2 #3). The complete check
 * is ocpp-rpc's bundled 2.0.1 schema, run in log-only mode on every inbound frame by OcppConnection.
 */

const isoTimestamp = z.string();

/** Some firmware sends numbers as strings (a 1.6 habit); both are read, anything else fails the sample only. */
const numeric = z.union([z.number(), z.string()]);

export const evseSchema = z.object({
  id: z.number().int(),
  connectorId: z.number().int().optional(),
});

export const sampledValueSchema = z.object({
  value: numeric,
  context: z.string().optional(),
  measurand: z.string().optional(),
  phase: z.string().optional(),
  location: z.string().optional(),
  unitOfMeasure: z.object({
    unit: z.string().optional(),
    /** Power of ten the value is scaled by (value × 10^multiplier). */
    multiplier: z.number().int().optional(),
  }).optional(),
});
export type SampledValue201 = z.infer<typeof sampledValueSchema>;

export const meterValueSchema = z.object({
  timestamp: isoTimestamp,
  sampledValue: z.array(sampledValueSchema),
});
export type MeterValue201 = z.infer<typeof meterValueSchema>;

export const bootNotificationSchema = z.object({
  reason: z.string().optional(),
  chargingStation: z.object({
    vendorName: z.string().optional(),
    model: z.string().optional(),
    serialNumber: z.string().optional(),
    firmwareVersion: z.string().optional(),
  }).optional(),
});

export const statusNotificationSchema = z.object({
  timestamp: isoTimestamp.optional(),
  connectorStatus: z.string(),
  evseId: z.number().int(),
  connectorId: z.number().int().optional(),
});

export const idTokenSchema = z.object({ idToken: z.string(), type: z.string().optional() });

export const transactionEventSchema = z.object({
  eventType: z.enum(['Started', 'Updated', 'Ended']),
  timestamp: isoTimestamp.optional(),
  triggerReason: z.string().optional(),
  /** Per-transaction message counter; absent only on broken firmware (then no duplicate detection). */
  seqNo: z.number().int().optional(),
  /** True when the charger queued this message while it had no connection. */
  offline: z.boolean().optional(),
  numberOfPhasesUsed: z.number().int().optional(),
  cableMaxCurrent: z.number().optional(),
  transactionInfo: z.object({
    transactionId: z.string(),
    chargingState: z.string().optional(),
    stoppedReason: z.string().optional(),
    remoteStartId: z.number().int().optional(),
  }),
  evse: evseSchema.optional(),
  idToken: idTokenSchema.optional(),
  meterValue: z.array(meterValueSchema).optional(),
});
export type TransactionEventRequest = z.infer<typeof transactionEventSchema>;

export const meterValuesSchema = z.object({
  evseId: z.number().int(),
  meterValue: z.array(meterValueSchema),
});

export const notifyEvChargingNeedsSchema = z.object({
  evseId: z.number().int(),
  maxScheduleTuples: z.number().int().optional(),
  chargingNeeds: z.object({
    requestedEnergyTransfer: z.string(),
    departureTime: isoTimestamp.optional(),
    acChargingParameters: z.object({
      energyAmount: z.number(),
      evMinCurrent: z.number(),
      evMaxCurrent: z.number(),
      evMaxVoltage: z.number(),
    }).partial().optional(),
    dcChargingParameters: z.object({
      energyAmount: z.number(),
      evMaxPower: z.number(),
      stateOfCharge: z.number(),
    }).partial().optional(),
  }),
});

const chargingScheduleSchema = z.object({
  chargingRateUnit: z.string(),
  chargingSchedulePeriod: z.array(z.object({ startPeriod: z.number(), limit: z.number(), numberPhases: z.number().optional() })),
});

export const notifyChargingLimitSchema = z.object({
  evseId: z.number().int().optional(),
  chargingLimit: z.object({ chargingLimitSource: z.string(), isGridCritical: z.boolean().optional() }),
  chargingSchedule: z.array(chargingScheduleSchema).optional(),
});

export const clearedChargingLimitSchema = z.object({
  chargingLimitSource: z.string(),
  evseId: z.number().int().optional(),
});

export const componentSchema = z.object({
  name: z.string(),
  instance: z.string().optional(),
  evse: evseSchema.optional(),
});
export type Component = z.infer<typeof componentSchema>;

export const variableSchema = z.object({ name: z.string(), instance: z.string().optional() });
export type Variable = z.infer<typeof variableSchema>;

export const notifyEventSchema = z.object({
  generatedAt: isoTimestamp.optional(),
  seqNo: z.number().int().optional(),
  tbc: z.boolean().optional(),
  eventData: z.array(z.object({
    eventId: z.number().int().optional(),
    timestamp: isoTimestamp.optional(),
    trigger: z.string().optional(),
    actualValue: z.string().optional(),
    techCode: z.string().optional(),
    techInfo: z.string().optional(),
    cleared: z.boolean().optional(),
    transactionId: z.string().optional(),
    eventNotificationType: z.string().optional(),
    component: componentSchema,
    variable: variableSchema,
  })),
});

export const notifyReportSchema = z.object({
  requestId: z.number().int().optional(),
  seqNo: z.number().int().optional(),
  tbc: z.boolean().optional(),
  reportData: z.array(z.object({
    component: componentSchema,
    variable: variableSchema,
    variableAttribute: z.array(z.object({
      type: z.string().optional(),
      value: z.string().optional(),
      mutability: z.string().optional(),
    })),
    variableCharacteristics: z.object({
      unit: z.string().optional(),
      dataType: z.string().optional(),
      valuesList: z.string().optional(),
    }).optional(),
  })).optional(),
});

export const securityEventSchema = z.object({
  type: z.string(),
  timestamp: isoTimestamp.optional(),
  techInfo: z.string().optional(),
});

export const statusWithRequestSchema = z.object({ status: z.string(), requestId: z.number().int().optional() });

export const reportChargingProfilesSchema = z.object({
  requestId: z.number().int().optional(),
  chargingLimitSource: z.string().optional(),
  evseId: z.number().int().optional(),
  tbc: z.boolean().optional(),
  chargingProfile: z.array(z.object({ id: z.number().int(), stackLevel: z.number().int(), chargingProfilePurpose: z.string() })).optional(),
});

/** Answers from the charger to our CALLs. */
export const statusResponseSchema = z.object({
  status: z.string(),
  statusInfo: z.object({ reasonCode: z.string(), additionalInfo: z.string().optional() }).optional(),
});

export const getVariablesResponseSchema = z.object({
  getVariableResult: z.array(z.object({
    attributeStatus: z.string(),
    attributeType: z.string().optional(),
    attributeValue: z.string().optional(),
    component: componentSchema,
    variable: variableSchema,
  })),
});

export const setVariablesResponseSchema = z.object({
  setVariableResult: z.array(z.object({
    attributeStatus: z.string(),
    component: componentSchema,
    variable: variableSchema,
    attributeStatusInfo: z.object({ reasonCode: z.string() }).optional(),
  })),
});
