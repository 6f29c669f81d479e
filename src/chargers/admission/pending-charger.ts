import { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import type { OcppConnection } from '../ocpp-rpc-types.ts';

/**
 * A charger that may connect but is not approved yet: it gets BootNotification `Pending` (so it keeps asking, every
 * `intervalS`) and no control at all. OCPP 1.6 (§4.2) and 2.0.1 (B02) define exactly this state; the BootNotification,
 * Heartbeat and StatusNotification answers have the same shape in both versions, so one handler serves either.
 * Anything else it sends gets ocpp-rpc's NotImplemented CALLERROR: a pending charger is not meant to start
 * transactions.
 */
export interface PendingChargerOptions {
  clock: Clock;
  /** How long the charger waits before its next BootNotification, s. */
  intervalS: number;
}

export function servePendingCharger(connection: OcppConnection, options: PendingChargerOptions): void {
  const now = (): string => new Date(options.clock.nowMs()).toISOString();
  connection.handle('BootNotification', async () => ({ status: 'Pending', currentTime: now(), interval: options.intervalS }));
  connection.handle('Heartbeat', async () => ({ currentTime: now() }));
  connection.handle('StatusNotification', async () => ({}));
}

/** What a charger says about itself in BootNotification, read from either version's payload. */
export interface BootIdentity {
  vendor?: string;
  model?: string;
  serialNumber?: string;
  firmwareVersion?: string;
}

const boot16 = z.object({
  chargePointVendor: z.string(),
  chargePointModel: z.string(),
  chargePointSerialNumber: z.string().optional(),
  chargeBoxSerialNumber: z.string().optional(),
  firmwareVersion: z.string().optional(),
});

const boot201 = z.object({
  chargingStation: z.object({
    vendorName: z.string(),
    model: z.string(),
    serialNumber: z.string().optional(),
    firmwareVersion: z.string().optional(),
  }),
});

const MAX_FIELD = 64; // the installer view shows these; longer values are firmware bugs (reference §3), cut short

export function bootIdentityOf(params: unknown): BootIdentity | undefined {
  const v16 = boot16.safeParse(params);
  if (v16.success) {
    const p = v16.data;
    return clean({ vendor: p.chargePointVendor, model: p.chargePointModel, serialNumber: p.chargePointSerialNumber ?? p.chargeBoxSerialNumber, firmwareVersion: p.firmwareVersion });
  }
  const v201 = boot201.safeParse(params);
  if (v201.success) {
    const s = v201.data.chargingStation;
    return clean({ vendor: s.vendorName, model: s.model, serialNumber: s.serialNumber, firmwareVersion: s.firmwareVersion });
  }
  return undefined;
}

function clean(identity: Record<keyof BootIdentity, string | undefined>): BootIdentity {
  const result: BootIdentity = {};
  for (const [key, value] of Object.entries(identity) as Array<[keyof BootIdentity, string | undefined]>) {
    if (value !== undefined) result[key] = value.slice(0, MAX_FIELD);
  }
  return result;
}
