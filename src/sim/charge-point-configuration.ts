/**
 * SIMULATOR: the configuration keys of a simulated OCPP 1.6 charge point (GetConfiguration / ChangeConfiguration,
 * spec §9), with the read-only flags a real wallbox has.
 */

interface ConfigurationEntry {
  value: string;
  readonly: boolean;
}

/** Measurands this simulated meter can sample. */
export const SUPPORTED_MEASURANDS = [
  'Energy.Active.Import.Register',
  'Power.Active.Import',
  'Current.Import',
  'Current.Offered',
  'Voltage',
  'SoC',
] as const;

const DEFAULTS: Record<string, ConfigurationEntry> = {
  ChargeProfileMaxStackLevel: { value: '8', readonly: true },
  ChargingScheduleAllowedChargingRateUnit: { value: 'Current,Power', readonly: true },
  ChargingScheduleMaxPeriods: { value: '24', readonly: true },
  MaxChargingProfilesInstalled: { value: '10', readonly: true },
  SupportedFeatureProfiles: { value: 'Core,SmartCharging,RemoteTrigger,LocalAuthListManagement,Reservation,FirmwareManagement', readonly: true },
  NumberOfConnectors: { value: '1', readonly: true },
  HeartbeatInterval: { value: '60', readonly: false },
  MeterValuesSampledData: { value: 'Energy.Active.Import.Register', readonly: false },
  MeterValueSampleInterval: { value: '60', readonly: false },
};

export type ChangeConfigurationStatus = 'Accepted' | 'Rejected' | 'NotSupported';

export class ChargePointConfiguration {
  private readonly entries = new Map<string, ConfigurationEntry>();
  private readonly changeListeners = new Set<(key: string, value: string) => void>();

  /** `overrides` replace default values (keeping their read-only flag) or add writable keys. */
  constructor(overrides: Readonly<Record<string, string>> = {}) {
    for (const [key, entry] of Object.entries(DEFAULTS)) this.entries.set(key, { ...entry });
    for (const [key, value] of Object.entries(overrides)) {
      this.entries.set(key, { value, readonly: this.entries.get(key)?.readonly ?? false });
    }
  }

  get(key: string): string | undefined {
    return this.entries.get(key)?.value;
  }

  /** An integer key, or `fallback` when absent or not a number. */
  integer(key: string, fallback: number): number {
    const value = Number(this.get(key));
    return Number.isInteger(value) ? value : fallback;
  }

  /** A comma-separated key as its trimmed items. */
  items(key: string): string[] {
    return (this.get(key) ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
  }

  /** GetConfiguration.conf: all keys when `keys` is absent or empty. */
  read(keys: readonly string[] | undefined): { configurationKey: { key: string; readonly: boolean; value: string }[]; unknownKey: string[] } {
    const wanted = keys === undefined || keys.length === 0 ? [...this.entries.keys()] : keys;
    const configurationKey = [];
    const unknownKey = [];
    for (const key of wanted) {
      const entry = this.entries.get(key);
      if (entry === undefined) unknownKey.push(key);
      else configurationKey.push({ key, readonly: entry.readonly, value: entry.value });
    }
    return { configurationKey, unknownKey };
  }

  change(key: string, value: string): ChangeConfigurationStatus {
    const entry = this.entries.get(key);
    if (entry === undefined) return 'NotSupported';
    if (entry.readonly || !isValid(key, value)) return 'Rejected';
    entry.value = value;
    for (const listener of this.changeListeners) listener(key, value);
    return 'Accepted';
  }

  onChange(listener: (key: string, value: string) => void): void {
    this.changeListeners.add(listener);
  }
}

function isValid(key: string, value: string): boolean {
  if (key === 'MeterValueSampleInterval' || key === 'HeartbeatInterval') return /^\d+$/.test(value);
  if (key === 'MeterValuesSampledData') {
    const supported: readonly string[] = SUPPORTED_MEASURANDS;
    return value.split(',').every((item) => supported.includes(item.trim()));
  }
  return true;
}
