import type { ChargerState } from '../domain/charger-state.ts';
import type { MeterReading, PhaseValues } from '../domain/meter-reading.ts';
import type { PhaseRotation, SitePolicySettings } from './policy-settings.ts';

const ROTATION_OFFSET: Record<PhaseRotation, number> = { L1L2L3: 0, L2L3L1: 1, L3L1L2: 2 };

/** Grid phases (0 = L1) that a charger's L1..L3 land on, in the charger's phase order. */
export function chargerGridPhases(phases: 1 | 3, rotation: PhaseRotation = 'L1L2L3'): readonly number[] {
  const offset = ROTATION_OFFSET[rotation];
  return (phases === 1 ? [0] : [0, 1, 2]).map((p) => (p + offset) % 3);
}

/** Current on each grid phase, A, positive for import. Falls back to an even split of total power. */
export function gridPhaseCurrentsA(grid: MeterReading, site: SitePolicySettings): PhaseValues {
  if (grid.phaseCurrentsA) return grid.phaseCurrentsA;
  if (grid.phasePowersW) {
    const [a, b, c] = grid.phasePowersW;
    return [a / site.voltageV, b / site.voltageV, c / site.voltageV];
  }
  if (site.phases === 1) return [grid.powerW / site.voltageV, 0, 0];
  const perPhase = grid.powerW / (3 * site.voltageV);
  return [perPhase, perPhase, perPhase];
}

/** A charger's own current on each grid phase, A. */
export function chargerPhaseCurrentsA(charger: ChargerState, phases: 1 | 3, voltageV: number, rotation?: PhaseRotation): PhaseValues {
  const out = [0, 0, 0];
  const gridPhases = chargerGridPhases(phases, rotation);
  gridPhases.forEach((gridPhase, i) => {
    const measured = charger.phaseCurrentsA?.[i];
    out[gridPhase] = measured ?? (charger.connected ? charger.powerW / (gridPhases.length * voltageV) : 0);
  });
  return [out[0]!, out[1]!, out[2]!];
}

/**
 * Current left for the chargers on each phase, A: the fuse rating less the margin less what the rest of the home
 * draws. Export (negative grid current) adds headroom, because the fuse sees the net current.
 */
export function chargerHeadroomA(gridA: PhaseValues, chargersA: PhaseValues, site: SitePolicySettings): PhaseValues {
  const limit = site.mainFuseA - site.safetyMarginA;
  return [limit - (gridA[0] - chargersA[0]), limit - (gridA[1] - chargersA[1]), limit - (gridA[2] - chargersA[2])];
}

export interface FuseDemand {
  chargerId: string;
  desiredA: number;
  minCurrentA: number;
  phases: 1 | 3;
  priority: number;
  rotation?: PhaseRotation;
  /** Order among equal priorities when some must be paused, compared element by element (lower goes first). */
  turn?: readonly number[];
}

function compareTurns(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  const x = a ?? [];
  const y = b ?? [];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * A limit the chargers must share: per grid phase, the current left for `members` (undefined = every charger).
 * The main fuse is one; each sub-circuit breaker is another.
 */
export interface FuseConstraint {
  headroomA: PhaseValues;
  members?: ReadonlySet<string>;
}

export interface FuseAllocation {
  currentA: number;
  /** Got less than it asked for because of the fuse. */
  limited: boolean;
  /** Asked for current but was paused so that higher-priority chargers fit. */
  paused: boolean;
}

/**
 * Shares the headroom among chargers that want current: every charger gets the same current (capped by what it
 * asked for), as high as every phase of every constraint allows. If that level leaves a charger below its minimum,
 * the charger with the lowest priority (then the last in turn, then the last id) is paused and the rest share again. Never exceeds any
 * constraint on any phase.
 */
export function allocateFuseHeadroom(constraints: readonly FuseConstraint[], demands: readonly FuseDemand[]): Map<string, FuseAllocation> {
  const result = new Map<string, FuseAllocation>();
  const active = demands.filter((d) => d.desiredA > 0)
    .sort((a, b) => b.priority - a.priority || compareTurns(a.turn, b.turn) || a.chargerId.localeCompare(b.chargerId));
  for (const d of demands) if (d.desiredA <= 0) result.set(d.chargerId, { currentA: 0, limited: false, paused: false });
  while (active.length > 0) {
    const level = highestSharedLevelA(constraints, active);
    const starved = active.some((d) => Math.min(d.desiredA, level) < d.minCurrentA);
    if (!starved) {
      for (const d of active) {
        const currentA = Math.min(d.desiredA, level);
        result.set(d.chargerId, { currentA, limited: currentA < d.desiredA, paused: false });
      }
      return result;
    }
    const dropped = active.pop()!;
    result.set(dropped.chargerId, { currentA: 0, limited: true, paused: true });
  }
  return result;
}

function highestSharedLevelA(constraints: readonly FuseConstraint[], demands: readonly FuseDemand[]): number {
  const fits = (level: number): boolean => constraints.every((c) => [0, 1, 2].every((phase) => {
    const load = demands.reduce((sum, d) =>
      (c.members === undefined || c.members.has(d.chargerId)) && chargerGridPhases(d.phases, d.rotation).includes(phase)
        ? sum + Math.min(d.desiredA, level) : sum, 0);
    return load <= c.headroomA[phase]! + 1e-9;
  }));
  let low = 0;
  let high = Math.max(...demands.map((d) => d.desiredA));
  if (fits(high)) return high;
  if (!fits(0)) return 0;
  for (let i = 0; i < 40; i++) {
    const mid = (low + high) / 2;
    if (fits(mid)) low = mid; else high = mid;
  }
  return low;
}
