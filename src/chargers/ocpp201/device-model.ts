import type { Component, Variable } from './messages.ts';

/**
 * What Sunplug knows of a 2.0.1 charger's device model (spec part 2, B "Provisioning"): component/variable values
 * read with GetVariables after boot, and the inventory a charger sends in NotifyReport. Only values ever reported are
 * held; an absent one means "the charger did not say", never a default.
 */

export interface ReportedVariable {
  component: Component;
  variable: Variable;
  /** The Actual attribute's value, when reported. */
  value?: string;
  mutability?: string;
  unit?: string;
  dataType?: string;
  /** For OptionList/MemberList variables: the allowed values, comma-separated. */
  valuesList?: string;
  /** When Sunplug learned it, ms (clock time). */
  atMs: number;
}

/** The variables that shape how Sunplug writes limits and asks for meter values. */
export const SMART_CHARGING_VARIABLES: readonly Variable[] = [
  { name: 'Enabled' },
  { name: 'LimitChangeSignificance' },
  { name: 'RateUnit' },
  { name: 'PeriodsPerSchedule' },
  { name: 'ProfileStackLevel' },
  { name: 'Entries', instance: 'ChargingProfiles' },
];

export const SAMPLED_DATA_VARIABLES: readonly Variable[] = [
  { name: 'Enabled' },
  { name: 'TxUpdatedMeasurands' },
  { name: 'TxUpdatedInterval' },
  { name: 'TxEndedMeasurands' },
];

/** What a 2.0.1 charger said about itself. Absent = it did not say (unknown variable, read failed, unparsable). */
export interface Ocpp201Capabilities {
  smartChargingEnabled?: boolean;
  /** Relative change (0..1 or percent, as the charger reports it) below which it does not report a new limit. */
  limitChangeSignificance?: number;
  rateUnits?: ReadonlySet<'A' | 'W'>;
  periodsPerSchedule?: number;
  /** Highest stack level the charger accepts (ProfileStackLevel). */
  maxStackLevel?: number;
  /** Charging profiles it can hold (SmartChargingCtrlr.Entries[ChargingProfiles]). */
  maxProfiles?: number;
  sampledDataEnabled?: boolean;
  txUpdatedMeasurands?: readonly string[];
  txUpdatedIntervalS?: number;
}

export function variableKey(component: Component, variable: Variable): string {
  const evse = component.evse ? `@${component.evse.id}${component.evse.connectorId !== undefined ? `.${component.evse.connectorId}` : ''}` : '';
  const componentPart = `${component.name}${component.instance !== undefined ? `[${component.instance}]` : ''}${evse}`;
  return `${componentPart}.${variable.name}${variable.instance !== undefined ? `[${variable.instance}]` : ''}`;
}

export class DeviceModel {
  private readonly variables = new Map<string, ReportedVariable>();

  /** Records what the charger said; later reports of the same variable replace earlier ones field by field. */
  record(entry: ReportedVariable): void {
    const key = variableKey(entry.component, entry.variable);
    const previous = this.variables.get(key);
    const merged: ReportedVariable = { ...entry };
    // A NotifyReport may carry characteristics without a value, a GetVariables result a value without them.
    for (const field of ['value', 'mutability', 'unit', 'dataType', 'valuesList'] as const) {
      if (merged[field] === undefined && previous?.[field] !== undefined) merged[field] = previous[field];
    }
    this.variables.set(key, merged);
  }

  get(component: Component, variable: Variable): ReportedVariable | undefined {
    return this.variables.get(variableKey(component, variable));
  }

  value(componentName: string, variable: Variable): string | undefined {
    return this.get({ name: componentName }, variable)?.value;
  }

  /** Every variable reported so far, keyed `Component[instance]@evse.Variable[instance]`. */
  entries(): ReadonlyMap<string, ReportedVariable> {
    return new Map(this.variables);
  }

  get size(): number {
    return this.variables.size;
  }

  capabilities(): Ocpp201Capabilities {
    const smart = (variable: Variable): string | undefined => this.value('SmartChargingCtrlr', variable);
    const sampled = (variable: Variable): string | undefined => this.value('SampledDataCtrlr', variable);
    const capabilities: Ocpp201Capabilities = {};
    const set = <K extends keyof Ocpp201Capabilities>(key: K, value: Ocpp201Capabilities[K] | undefined): void => {
      if (value !== undefined) capabilities[key] = value;
    };
    set('smartChargingEnabled', boolean(smart({ name: 'Enabled' })));
    set('limitChangeSignificance', decimal(smart({ name: 'LimitChangeSignificance' })));
    const units = smart({ name: 'RateUnit' });
    if (units !== undefined) capabilities.rateUnits = parseRateUnits(units);
    set('periodsPerSchedule', integer(smart({ name: 'PeriodsPerSchedule' })));
    set('maxStackLevel', integer(smart({ name: 'ProfileStackLevel' })));
    set('maxProfiles', integer(smart({ name: 'Entries', instance: 'ChargingProfiles' })));
    set('sampledDataEnabled', boolean(sampled({ name: 'Enabled' })));
    const measurands = sampled({ name: 'TxUpdatedMeasurands' });
    if (measurands !== undefined) capabilities.txUpdatedMeasurands = csl(measurands);
    set('txUpdatedIntervalS', integer(sampled({ name: 'TxUpdatedInterval' })));
    return capabilities;
  }
}

/** Amps unless the charger says it takes only power (RateUnit is a MemberList such as "A,W", "W" or "A"). */
export function chooseRateUnit201(capabilities: Ocpp201Capabilities): 'A' | 'W' {
  const units = capabilities.rateUnits;
  return units !== undefined && units.has('W') && !units.has('A') ? 'W' : 'A';
}

function parseRateUnits(text: string): ReadonlySet<'A' | 'W'> {
  const units = new Set<'A' | 'W'>();
  for (const item of csl(text)) {
    const word = item.toLowerCase();
    if (word === 'a' || word === 'current') units.add('A');
    if (word === 'w' || word === 'power') units.add('W');
  }
  return units;
}

function csl(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  return Number(text);
}

function decimal(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  return Number(text);
}

function boolean(text: string | undefined): boolean | undefined {
  const word = text?.trim().toLowerCase();
  if (word === 'true') return true;
  if (word === 'false') return false;
  return undefined;
}
