import type { ChargeMode } from '../domain/charger-state.ts';

/** Everything `decide()` needs to know about the installation and the homeowner's choices. */
export interface PolicySettings {
  site: SitePolicySettings;
  chargers: readonly ChargerPolicySettings[];
  solar: SolarPolicySettings;
}

export interface SitePolicySettings {
  /** Phase-to-neutral voltage, V. */
  voltageV: number;
  phases: 1 | 3;
  /** Main fuse rating per phase, A. */
  mainFuseA: number;
  /** Headroom kept below the fuse rating on every phase, A. */
  safetyMarginA: number;
  /** Current per phase for every charger when the grid meter is stale, A (below a charger's minimum it pauses). */
  safeCurrentA: number;
  /** A grid reading older than this counts as missing, ms. */
  gridMaxAgeMs: number;
  /**
   * Time a charger and its car need to follow a new limit, ms (charger firmware plus the car's 5 s). Until then the
   * policy neither trusts the charger's measurement nor raises that charger's limit for the fuse.
   */
  chargerSettleMs: number;
}

export interface ChargerPolicySettings {
  id: string;
  mode: ChargeMode;
  minCurrentA: number;
  maxCurrentA: number;
  phases: 1 | 3;
  /** Higher runs first when the fuse cannot feed every charger. */
  priority: number;
}

export interface SolarPolicySettings {
  /** Surplus must allow the minimum current for this long before charging starts, ms. */
  enableDelayMs: number;
  /** Surplus must stay below the minimum current for this long before charging stops, ms. */
  disableDelayMs: number;
  /** Extra export needed on top of the minimum charging power to start, W. */
  enableThresholdW: number;
  /** Grid import tolerated while holding the minimum current before the stop timer runs, W. */
  disableThresholdW: number;
  /** How often the solar target moves, ms; in between the fuse still acts every tick. */
  cadenceMs: number;
}
