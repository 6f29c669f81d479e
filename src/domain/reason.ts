/**
 * Why a charger has the limit it has. The dashboard, the HTTP API, Home Assistant and the tests all use these codes;
 * `describeReason` gives the plain-words text the homeowner reads.
 */
export const REASONS = [
  'solar-surplus',
  'solar-waiting',
  'solar-insufficient',
  'min-current',
  'fast',
  'cheap-tariff',
  'plan',
  'phase-switch',
  'fuse-limit',
  'fuse-paused',
  'stale-meter',
  'not-following',
  'charger-offline',
  'no-vehicle',
  'user-off',
] as const;

export type Reason = (typeof REASONS)[number];

const TEXT: Record<Reason, string> = {
  'solar-surplus': 'Charging from solar surplus',
  'solar-waiting': 'Waiting for enough solar surplus to start',
  'solar-insufficient': 'Not enough solar surplus',
  'min-current': 'Charging at the minimum current',
  fast: 'Charging as fast as the fuse allows',
  'cheap-tariff': 'Charging while electricity is cheap',
  plan: 'Charging to reach the plan by departure',
  'phase-switch': 'Pausing to switch between 1 and 3 phases',
  'fuse-limit': 'Limited to protect the main fuse',
  'fuse-paused': 'Paused: not enough fuse capacity left for this charger',
  'stale-meter': 'Safe current: the grid meter is not reporting',
  'not-following': 'The charger ignores its limit: stopping the charge',
  'charger-offline': 'The charger is offline',
  'no-vehicle': 'No car connected',
  'user-off': 'Charging switched off',
};

export function describeReason(reason: Reason): string {
  return TEXT[reason];
}
