import type { Clock } from '../platform/clock.ts';
import type { ChargingProfileStack, TransactionContext } from './charging-profile-stack.ts';
import type { ElectricVehicle } from './electric-vehicle.ts';

/**
 * SIMULATOR: the power side of a simulated wallbox connector: what it offers the plugged-in car (from the charging
 * profiles and its hardware maximum), what the car draws on which phases, and the energy register.
 */
export interface WallboxOutletOptions {
  connectorId: number;
  clock: Clock;
  profiles: ChargingProfileStack;
  /** Phases wired to the wallbox. */
  phases: 1 | 3;
  /** Hardware maximum per phase, A. */
  maxCurrentA: number;
  /** Phase-to-neutral voltage, V. */
  voltageV: number;
}

/** IEC 61851 PWM cannot signal less than 6 A: a lower limit means no offer at all (the car pauses). */
const MIN_OFFER_A = 6;

export class WallboxOutlet {
  private plugged: ElectricVehicle | undefined;
  /** The transaction that energises the outlet; without one nothing is offered. */
  private energisedBy: TransactionContext | undefined;
  private registerWh = 0;
  private lastStepMs: number;

  constructor(private readonly options: WallboxOutletOptions) {
    this.lastStepMs = options.clock.nowMs();
  }

  get car(): ElectricVehicle | undefined {
    return this.plugged;
  }

  get transaction(): TransactionContext | undefined {
    return this.energisedBy;
  }

  plug(car: ElectricVehicle | undefined): void {
    this.plugged?.disconnect();
    this.plugged = car;
  }

  /** Closes the contactor for `transaction`, or opens it (undefined): the car stops drawing at once. */
  energise(transaction: TransactionContext | undefined): void {
    this.energisedBy = transaction;
    if (transaction === undefined) this.plugged?.disconnect();
  }

  /** Current offered per phase now, A: 0 without a transaction or below 6 A; a multiple of 0.1 otherwise. */
  get offeredCurrentA(): number {
    if (this.energisedBy === undefined) return 0;
    const limit = this.options.profiles.limitAt(this.options.connectorId, this.options.clock.nowMs(), this.energisedBy);
    const offered = Math.min(this.options.maxCurrentA, limit?.currentA ?? Infinity);
    return offered < MIN_OFFER_A ? 0 : Math.floor(offered * 10 + 1e-9) / 10;
  }

  /** Phases carrying current: the fewest of the wallbox, the winning profile's numberPhases and the car. */
  get activePhases(): number {
    const limit = this.energisedBy && this.options.profiles.limitAt(this.options.connectorId, this.options.clock.nowMs(), this.energisedBy);
    return Math.min(this.options.phases, limit?.numberPhases ?? 3, this.plugged?.phases ?? 3);
  }

  /** Current the car draws per active phase, A. */
  get drawnCurrentA(): number {
    return this.plugged?.drawnCurrentA ?? 0;
  }

  /** Current per wallbox phase L1..L3, A. */
  get phaseCurrentsA(): number[] {
    const phases = this.activePhases;
    return Array.from({ length: this.options.phases }, (_, i) => (i < phases ? this.drawnCurrentA : 0));
  }

  /** Power the car draws now, W (>= 0). */
  get powerW(): number {
    return this.drawnCurrentA * this.activePhases * this.options.voltageV;
  }

  /** The import energy register, Wh. */
  get energyWh(): number {
    return this.registerWh;
  }

  /** Advances the car to the clock's now, counting the energy it took. */
  step(): void {
    const nowMs = this.options.clock.nowMs();
    const elapsedMs = nowMs - this.lastStepMs;
    this.lastStepMs = nowMs;
    if (this.plugged === undefined || elapsedMs <= 0) return;
    this.registerWh += this.plugged.step(elapsedMs, this.offeredCurrentA, this.activePhases, this.options.voltageV);
  }
}
