/**
 * SIMULATOR: a plug-in electric vehicle's on-board charger as a wallbox sees it, for the demo and tests.
 *
 * It follows the current the wallbox offers the way IEC 61851 cars do: below its minimum (6 A) it pauses, otherwise it
 * draws min(offered, its own maximum) on its phases, reaching a new value gradually (`rampAPerS`), and it stops
 * drawing when the battery is full.
 */
export interface ElectricVehicleOptions {
  /** Most current the car draws per phase, A. Default 16. */
  maxCurrentA?: number;
  /** Least current the car charges with per phase, A; below it the car pauses. Default 6. */
  minCurrentA?: number;
  /** Phases of the on-board charger. Default 3. */
  phases?: 1 | 2 | 3;
  /** How fast the drawn current follows the target, A per second, both ways. Default 5. */
  rampAPerS?: number;
  /** Usable battery capacity, Wh. Default 60000. */
  batteryCapacityWh?: number;
  /** State of charge when plugged in, %. Default 50. */
  socPct?: number;
}

export class ElectricVehicle {
  readonly maxCurrentA: number;
  readonly minCurrentA: number;
  readonly phases: 1 | 2 | 3;
  private readonly rampAPerS: number;
  private readonly batteryCapacityWh: number;
  private currentA = 0;
  private soc: number;

  constructor(options: ElectricVehicleOptions = {}) {
    this.maxCurrentA = options.maxCurrentA ?? 16;
    this.minCurrentA = options.minCurrentA ?? 6;
    this.phases = options.phases ?? 3;
    this.rampAPerS = options.rampAPerS ?? 5;
    this.batteryCapacityWh = options.batteryCapacityWh ?? 60_000;
    this.soc = options.socPct ?? 50;
  }

  /** Current drawn per active phase, A. */
  get drawnCurrentA(): number {
    return this.currentA;
  }

  get socPct(): number {
    return this.soc;
  }

  get isFull(): boolean {
    return this.soc >= 100;
  }

  /** What the car wants to draw per phase at this offer, A (0 = paused or full). */
  targetCurrentA(offeredCurrentA: number): number {
    if (this.isFull || offeredCurrentA < this.minCurrentA) return 0;
    return Math.min(offeredCurrentA, this.maxCurrentA);
  }

  /**
   * Advances the car by `durationMs` under an offer of `offeredCurrentA` per phase on `phases` phases at `voltageV`:
   * the energy of the interval is charged at the current drawn at its start, then the current ramps towards the target.
   * Returns the energy taken from the wallbox, Wh.
   */
  step(durationMs: number, offeredCurrentA: number, phases: number, voltageV: number): number {
    const energyWh = (this.currentA * phases * voltageV * durationMs) / 3_600_000;
    this.soc = Math.min(100, this.soc + (energyWh / this.batteryCapacityWh) * 100);
    const target = this.targetCurrentA(offeredCurrentA);
    const maxChangeA = (this.rampAPerS * durationMs) / 1000;
    const delta = Math.max(-maxChangeA, Math.min(maxChangeA, target - this.currentA));
    this.currentA = Math.round((this.currentA + delta) * 1000) / 1000;
    return energyWh;
  }

  /** Unplugged: the on-board charger stops at once. */
  disconnect(): void {
    this.currentA = 0;
  }
}
