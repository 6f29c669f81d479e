import type { GetConfigurationResponse } from './messages.ts';

/** Configuration keys read after boot (spec §9.1) that shape how Sunplug writes charging profiles. */
export const CAPABILITY_KEYS = [
  'ChargeProfileMaxStackLevel',
  'ChargingScheduleAllowedChargingRateUnit',
  'MaxChargingProfilesInstalled',
  'SupportedFeatureProfiles',
  'NumberOfConnectors',
] as const;

/** What a 1.6 charger said about itself. Absent = it did not say (unknown key, read failed, not a number). */
export interface Ocpp16Capabilities {
  maxStackLevel?: number;
  rateUnits?: ReadonlySet<'A' | 'W'>;
  maxChargingProfilesInstalled?: number;
  featureProfiles?: ReadonlySet<string>;
  numberOfConnectors?: number;
}

export function parseCapabilities(response: GetConfigurationResponse): Ocpp16Capabilities {
  // Key names are matched case-insensitively: firmware varies in spelling (evcc does the same).
  const values = new Map<string, string>();
  for (const entry of response.configurationKey ?? []) {
    if (entry.value !== undefined) values.set(entry.key.toLowerCase(), entry.value);
  }
  const capabilities: Ocpp16Capabilities = {};
  const maxStackLevel = integer(values.get('chargeprofilemaxstacklevel'));
  if (maxStackLevel !== undefined) capabilities.maxStackLevel = maxStackLevel;
  const maxProfiles = integer(values.get('maxchargingprofilesinstalled'));
  if (maxProfiles !== undefined) capabilities.maxChargingProfilesInstalled = maxProfiles;
  const connectors = integer(values.get('numberofconnectors'));
  if (connectors !== undefined) capabilities.numberOfConnectors = connectors;
  const units = values.get('chargingscheduleallowedchargingrateunit');
  if (units !== undefined) capabilities.rateUnits = parseRateUnits(units);
  const profiles = values.get('supportedfeatureprofiles');
  if (profiles !== undefined) capabilities.featureProfiles = new Set(csl(profiles));
  return capabilities;
}

/** Amps unless the charger says it takes only power (e.g. Huawei FusionCharge); some answer 'W' instead of 'Power'. */
export function chooseRateUnit(capabilities: Ocpp16Capabilities): 'A' | 'W' {
  const units = capabilities.rateUnits;
  return units !== undefined && units.has('W') && !units.has('A') ? 'W' : 'A';
}

function parseRateUnits(text: string): ReadonlySet<'A' | 'W'> {
  const units = new Set<'A' | 'W'>();
  for (const item of csl(text)) {
    const word = item.toLowerCase();
    if (word === 'current' || word === 'a') units.add('A');
    if (word === 'power' || word === 'w') units.add('W');
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
