import { SUPPORTED_MEASURANDS } from './charge-point-configuration.ts';

/**
 * SIMULATOR: the device-model variables of a simulated OCPP 2.0.1 charging station (GetVariables / SetVariables,
 * spec part 2 B), keyed `Component.Variable` or `Component.Variable[instance]`, with the read-only flags a real
 * station has. Only the Actual attribute is modelled.
 */

interface VariableEntry {
  value: string;
  readonly: boolean;
}

const DEFAULTS: Record<string, VariableEntry> = {
  'SmartChargingCtrlr.Enabled': { value: 'true', readonly: true },
  'SmartChargingCtrlr.Available': { value: 'true', readonly: true },
  'SmartChargingCtrlr.LimitChangeSignificance': { value: '10', readonly: false },
  'SmartChargingCtrlr.RateUnit': { value: 'A,W', readonly: true },
  'SmartChargingCtrlr.PeriodsPerSchedule': { value: '24', readonly: true },
  'SmartChargingCtrlr.ProfileStackLevel': { value: '8', readonly: true },
  'SmartChargingCtrlr.Entries[ChargingProfiles]': { value: '10', readonly: true },
  'SmartChargingCtrlr.ACPhaseSwitchingSupported': { value: 'false', readonly: true },
  'SampledDataCtrlr.Enabled': { value: 'true', readonly: false },
  'SampledDataCtrlr.TxStartedMeasurands': { value: 'Energy.Active.Import.Register', readonly: false },
  'SampledDataCtrlr.TxUpdatedMeasurands': { value: 'Energy.Active.Import.Register', readonly: false },
  'SampledDataCtrlr.TxEndedMeasurands': { value: 'Energy.Active.Import.Register', readonly: false },
  'SampledDataCtrlr.TxUpdatedInterval': { value: '60', readonly: false },
  'OCPPCommCtrlr.HeartbeatInterval': { value: '60', readonly: false },
};

export type SetVariableStatus = 'Accepted' | 'Rejected' | 'UnknownComponent' | 'UnknownVariable';
export type GetVariableStatus = 'Accepted' | 'UnknownComponent' | 'UnknownVariable';

export class StationVariables {
  private readonly entries = new Map<string, VariableEntry>();
  private readonly changeListeners = new Set<(key: string, value: string) => void>();

  /** `overrides` replace default values (keeping their read-only flag) or add writable variables. */
  constructor(overrides: Readonly<Record<string, string>> = {}) {
    for (const [key, entry] of Object.entries(DEFAULTS)) this.entries.set(key, { ...entry });
    for (const [key, value] of Object.entries(overrides)) {
      this.entries.set(key, { value, readonly: this.entries.get(key)?.readonly ?? false });
    }
  }

  static key(component: string, variable: string, instance?: string): string {
    return `${component}.${variable}${instance !== undefined ? `[${instance}]` : ''}`;
  }

  get(key: string): string | undefined {
    return this.entries.get(key)?.value;
  }

  /** An integer variable, or `fallback` when absent or not a number. */
  integer(key: string, fallback: number): number {
    const value = Number(this.get(key));
    return Number.isInteger(value) ? value : fallback;
  }

  /** A comma-separated variable as its trimmed items. */
  items(key: string): string[] {
    return (this.get(key) ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
  }

  read(component: string, variable: string, instance?: string): { status: GetVariableStatus; value?: string } {
    const entry = this.entries.get(StationVariables.key(component, variable, instance));
    if (entry !== undefined) return { status: 'Accepted', value: entry.value };
    return { status: this.knowsComponent(component) ? 'UnknownVariable' : 'UnknownComponent' };
  }

  write(component: string, variable: string, instance: string | undefined, value: string): SetVariableStatus {
    const key = StationVariables.key(component, variable, instance);
    const entry = this.entries.get(key);
    if (entry === undefined) return this.knowsComponent(component) ? 'UnknownVariable' : 'UnknownComponent';
    if (entry.readonly || !isValid(key, value)) return 'Rejected';
    entry.value = value;
    for (const listener of this.changeListeners) listener(key, value);
    return 'Accepted';
  }

  onChange(listener: (key: string, value: string) => void): void {
    this.changeListeners.add(listener);
  }

  private knowsComponent(component: string): boolean {
    return [...this.entries.keys()].some((key) => key.startsWith(`${component}.`));
  }
}

function isValid(key: string, value: string): boolean {
  if (key.endsWith('Interval')) return /^\d+$/.test(value);
  if (key.startsWith('SampledDataCtrlr.') && key.endsWith('Measurands')) {
    const supported: readonly string[] = SUPPORTED_MEASURANDS;
    return value.split(',').every((item) => supported.includes(item.trim()));
  }
  return true;
}
