import type { MeterRole } from '../../domain/meter-reading.ts';

/**
 * The device names the config accepts (`meters[].device`) and the roles each serves. The profiles themselves are the
 * YAML files in devices/profiles/; this list lets the config schema check names and roles without reading files, and
 * a test keeps it equal to the files (test/devices/profiles/profile-files.test.ts). Add a line when adding a profile.
 */
export const DEVICE_ROLES = {
  'abb-b23': ['grid'],
  'carlo-gavazzi-em24': ['grid'],
  'carlo-gavazzi-em340': ['grid'],
  'eastron-sdm120': ['grid'],
  'eastron-sdm630': ['grid'],
  'eastron-sdm72': ['grid'],
  'fronius-gen24': ['grid', 'pv', 'battery'],
  'fronius-symo': ['grid', 'pv'],
  'goodwe-et': ['grid', 'pv', 'battery'],
  'huawei-sun2000': ['grid', 'pv', 'battery'],
  'kostal-plenticore': ['grid', 'pv', 'battery'],
  'shelly-pro-3em': ['grid'],
  'sma-home-manager': ['grid'],
  'sma-inverter': ['grid', 'pv', 'battery'],
  'sma-sunspec': ['pv'],
  'solaredge': ['grid', 'pv', 'battery'],
  'sungrow-sh': ['grid', 'pv', 'battery'],
  'sunspec': ['grid', 'pv', 'battery'],
  'victron-gx': ['grid', 'pv', 'battery'],
} as const satisfies Record<string, readonly MeterRole[]>;

export type DeviceName = keyof typeof DEVICE_ROLES;

export const DEVICE_NAMES = Object.keys(DEVICE_ROLES) as [DeviceName, ...DeviceName[]];

export function deviceServesRole(device: DeviceName, role: MeterRole): boolean {
  return (DEVICE_ROLES[device] as readonly MeterRole[]).includes(role);
}
