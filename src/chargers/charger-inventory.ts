import type { ChargerAdapter } from './charger-adapter.ts';
import type { BootIdentity } from './admission/pending-charger.ts';
import { deviceInventory, type DeviceInventory } from './ocpp201/device-inventory.ts';
import type { ReportedVariable } from './ocpp201/device-model.ts';

/**
 * What `GET /api/v1/chargers/:id/inventory` shows: for a 2.0.1 station its device inventory (GetBaseReport at boot),
 * for a 1.6 charger what its BootNotification said (1.6 has no device model).
 */
export interface ChargerInventory extends DeviceInventory {
  protocol: string | null;
  /** 'device-model' (2.0.1 NotifyReport and GetVariables) or 'boot' (BootNotification only). */
  source: 'device-model' | 'boot';
}

interface DeviceModelView {
  readonly inventory: ReadonlyMap<string, ReportedVariable>;
  readonly bootInfo: { vendor?: string | undefined; model?: string | undefined; serialNumber?: string | undefined; firmwareVersion?: string | undefined };
}

function hasDeviceModel(adapter: unknown): adapter is DeviceModelView {
  return typeof adapter === 'object' && adapter !== null && 'inventory' in adapter && adapter.inventory instanceof Map && 'bootInfo' in adapter;
}

export function chargerInventory(adapter: ChargerAdapter | undefined, boot: BootIdentity | undefined, protocol: string | undefined): ChargerInventory {
  if (hasDeviceModel(adapter)) {
    return { protocol: protocol ?? 'ocpp2.0.1', source: 'device-model', ...deviceInventory({ ...boot, ...definedOnly(adapter.bootInfo) }, adapter.inventory) };
  }
  return {
    protocol: protocol ?? null, source: 'boot',
    vendor: boot?.vendor ?? null, model: boot?.model ?? null, serialNumber: boot?.serialNumber ?? null, firmwareVersion: boot?.firmwareVersion ?? null,
    evses: [], smartCharging: {}, variables: 0, updatedAtMs: null,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
