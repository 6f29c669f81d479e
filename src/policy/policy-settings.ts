import type { ChargeMode } from '../domain/charger-state.ts';

/** Everything `decide()` needs to know about the installation and the homeowner's choices. */
export interface PolicySettings {
  site: SitePolicySettings;
  chargers: readonly ChargerPolicySettings[];
  solar: SolarPolicySettings;
  /** Breakers below the main fuse that feed only chargers (e.g. a 32 A garage circuit). */
  circuits?: readonly CircuitPolicySettings[];
  /** The home battery's share of the sun; absent when there is no battery. */
  battery?: BatteryPolicySettings;
  /** Plan mode; defaults in DEFAULT_PLANNING. */
  planning?: PlanningSettings;
}

/**
 * Which grid phase each of the charger's phases is wired to: 'L1L2L3' is straight through; 'L2L3L1' means the
 * charger's L1 is on grid L2 (installers rotate phases so that 1-phase cars do not all load L1).
 */
export type PhaseRotation = 'L1L2L3' | 'L2L3L1' | 'L3L1L2';

export interface CircuitPolicySettings {
  id: string;
  /** Breaker rating per phase, A (its own margin included by the installer). */
  maxCurrentA: number;
  chargerIds: readonly string[];
}

export interface BatteryPolicySettings {
  /** Below this state of charge the battery charges before any car takes surplus, %. */
  prioritySocPct: number;
  /** Above this state of charge the battery may carry a charging car through a dip to the minimum current, %. */
  bufferSocPct: number;
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
  /** Default straight through. */
  phaseRotation?: PhaseRotation;
  /**
   * Resolution the charger applies limits with, A (default 0.1). Most chargers and cars take whole amps: a 15.7 A
   * limit runs at 15 A, and a later 16 A decision would sit inside the write dead band, so limits are rounded down
   * to the step before they are compared or written.
   */
  currentStepA?: number;
  /** Charge at full power whenever the grid price is known and at or below this, site currency per kWh. */
  priceLimitPerKWh?: number;
  /**
   * The charger can switch between 1 and 3 phases (OCPP numberPhases): in solar and minsolar mode it drops to 1 phase
   * when the surplus is below the 3-phase minimum and returns when it is above it (`phases` is then 3).
   */
  phaseSwitching?: boolean;
  /** The target plan mode works to: the homeowner's, else the car's own (OCPP 2.0.1 NotifyEVChargingNeeds). */
  plan?: ChargerPlanTarget;
}

/** Reach `energyWh` more (or `socPercent`) by `departureAtMs`. One of energyWh and socPercent is set. */
export interface ChargerPlanTarget {
  departureAtMs: number;
  /** Energy to add to the car's battery from when the plan was set, Wh. */
  energyWh?: number;
  /** Target state of charge, %: needs the battery size (else an assumed one) and the car's state of charge if known. */
  socPercent?: number;
  /** The car's state of charge when the plan was set or as the car reports it, %. Unknown: counted as 0 %. */
  vehicleSocPct?: number;
  /** The car's usable battery size, Wh, when known. */
  batteryCapacityWh?: number;
  source: 'user' | 'vehicle';
  /** When the plan was set: a new value restarts the count of energy delivered towards it. */
  setAtMs: number;
}

export interface PlanningSettings {
  /** Share of the energy drawn at the wall that reaches the battery, (0, 1]. */
  efficiency: number;
  /** How often a plan is made afresh from the energy delivered so far, the prices and the forecast, ms. */
  replanMs: number;
  /** Battery size assumed for a state-of-charge target when the car's is unknown, Wh. */
  assumedBatteryWh: number;
}

export const DEFAULT_PLANNING: PlanningSettings = { efficiency: 0.9, replanMs: 60_000, assumedBatteryWh: 60_000 };

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
