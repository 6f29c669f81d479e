import { z } from 'zod';

/**
 * OCPP 1.6J payloads as Sunplug reads them. These schemas are deliberately tolerant: they require only the fields we
 * use and ignore the rest, because real chargers send slightly-off frames (reference §3: over-long strings, odd
 * enums). The strict, complete check is ocpp-rpc's bundled JSON schema, run in log-only mode on inbound frames.
 */

const isoTimestamp = z.string();

export const sampledValueSchema = z.object({
  value: z.string(),
  context: z.string().optional(),
  format: z.string().optional(),
  measurand: z.string().optional(),
  phase: z.string().optional(),
  location: z.string().optional(),
  unit: z.string().optional(),
});
export type SampledValue = z.infer<typeof sampledValueSchema>;

export const meterValueSchema = z.object({
  timestamp: isoTimestamp,
  sampledValue: z.array(sampledValueSchema),
});
export type MeterValue = z.infer<typeof meterValueSchema>;

export const bootNotificationSchema = z.object({
  chargePointVendor: z.string().optional(),
  chargePointModel: z.string().optional(),
  chargePointSerialNumber: z.string().optional(),
  firmwareVersion: z.string().optional(),
});

export const statusNotificationSchema = z.object({
  connectorId: z.number().int(),
  status: z.string(),
  errorCode: z.string().optional(),
  info: z.string().optional(),
  timestamp: isoTimestamp.optional(),
});

export const startTransactionSchema = z.object({
  connectorId: z.number().int(),
  idTag: z.string(),
  meterStart: z.number(),
  timestamp: isoTimestamp.optional(),
});

export const stopTransactionSchema = z.object({
  transactionId: z.number().int(),
  meterStop: z.number().optional(),
  timestamp: isoTimestamp.optional(),
  reason: z.string().optional(),
  transactionData: z.array(meterValueSchema).optional(),
});

export const meterValuesSchema = z.object({
  connectorId: z.number().int(),
  transactionId: z.number().int().optional(),
  meterValue: z.array(meterValueSchema),
});

/** Answers from the charger to our CALLs. */
export const statusResponseSchema = z.object({ status: z.string() });

export const getConfigurationResponseSchema = z.object({
  configurationKey: z.array(z.object({
    key: z.string(),
    readonly: z.boolean().optional(),
    value: z.string().optional(),
  })).optional(),
  unknownKey: z.array(z.string()).optional(),
});
export type GetConfigurationResponse = z.infer<typeof getConfigurationResponseSchema>;

export const compositeScheduleResponseSchema = z.object({
  status: z.string(),
  chargingSchedule: z.object({
    chargingRateUnit: z.enum(['A', 'W']),
    chargingSchedulePeriod: z.array(z.object({
      startPeriod: z.number(),
      limit: z.number(),
      numberPhases: z.number().int().min(1).max(3).optional(),
    })),
  }).optional(),
});

/** Measurands Sunplug asks every 1.6 charger to sample (MeterValuesSampledData). */
export const DESIRED_MEASURANDS = [
  'Energy.Active.Import.Register',
  'Power.Active.Import',
  'Current.Import',
  'Current.Offered',
  'Voltage',
] as const;

export function isoTime(atMs: number): string {
  return new Date(atMs).toISOString();
}

/** Milliseconds since the epoch, or undefined for a missing or unparsable timestamp. */
export function parseIsoTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const atMs = Date.parse(text);
  return Number.isFinite(atMs) ? atMs : undefined;
}
