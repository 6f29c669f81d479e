import type { ChargerState } from '../src/domain/charger-state.ts';
import type { MeterReading, PhaseValues } from '../src/domain/meter-reading.ts';

/**
 * The physical site the controllers act on, stepped in fixed steps (1 s unless a scenario says otherwise).
 * Signs follow src/domain: grid current > 0 is import; charger current >= 0.
 *
 * One charger: a limit sent at t reaches the car at t + applyDelayMs (charger firmware); the charger offers it in
 * 1 A steps (rounded down) and offers nothing below the 6 A minimum of IEC 61851; the car then moves linearly from its
 * present current to the offer within evRampMs (IEC 61851-1: within 5 s). The controller sees the charger only through
 * MeterValues every meterValuesIntervalMs (the current at that instant), and the grid through a meter read every step.
 */
export interface PlantOptions {
  voltageV: number;
  applyDelayMs: number;
  evRampMs: number;
  meterValuesIntervalMs: number;
  minCurrentA: number;
}

export const DEFAULT_PLANT_OPTIONS: PlantOptions = {
  voltageV: 230, applyDelayMs: 2_000, evRampMs: 5_000, meterValuesIntervalMs: 10_000, minCurrentA: 6,
};

export interface ChargerSpec {
  id: string;
  phases: 1 | 3;
  maxCurrentA: number;
  /** When, within the MeterValues interval, this charger reports, ms. */
  meterValuesOffsetMs: number;
  /** A 3-phase charger that switches to 1 phase when a limit says so (OCPP numberPhases). */
  switchesPhases?: boolean;
}

export interface Car {
  /** Energy the car takes before it stops by itself (full), Wh; Infinity for a car that never fills. */
  energyNeedWh: number;
  maxCurrentA: number;
}

/** The current a charger offers for a limit: whole amps, rounded down, 0 below the minimum, at most its maximum. */
export function offeredCurrentA(limitA: number, minCurrentA: number, maxCurrentA: number): number {
  const whole = Math.floor(limitA + 1e-9);
  return whole < minCurrentA ? 0 : Math.min(whole, maxCurrentA);
}

export class ChargerPlant {
  /** Limit currently in force (as the controller sent it) and the whole amps offered to the car. */
  limitA = 0;
  offeredA = 0;
  /** Energy delivered to the car of the present session, Wh, and in total. */
  sessionWh = 0;
  totalWh = 0;
  /** Phases in use: the spec's, or 1 after a 1-phase limit on a charger that switches. */
  phases: 1 | 3;
  /** Times the phases in use changed. */
  phaseSwitches = 0;
  private readonly pending: { atMs: number; currentA: number; phases: 1 | 3 }[] = [];
  private car: Car | undefined;
  private rampFromA = 0;
  private rampToA = 0;
  private rampStartMs = 0;
  private nowMs: number;
  private reported: { atMs: number; currentA: number; offeredA: number; sessionWh: number } | undefined;

  constructor(readonly spec: ChargerSpec, private readonly options: PlantOptions, startMs: number) {
    this.nowMs = startMs;
    this.phases = spec.phases;
  }

  /** The gateway sends a limit (per phase, A) at `atMs`; the charger applies it after its delay. */
  send(currentA: number, atMs: number, phases: 1 | 3 = this.spec.phases): void {
    this.pending.push({ atMs: atMs + this.options.applyDelayMs, currentA, phases });
  }

  plugIn(car: Car, atMs: number): void {
    this.car = car;
    this.sessionWh = 0;
    this.retarget(atMs);
  }

  unplug(atMs: number): void {
    this.car = undefined;
    this.rampFromA = 0;
    this.rampToA = 0;
    this.rampStartMs = atMs;
  }

  get pluggedIn(): boolean {
    return this.car !== undefined;
  }

  /** The car still wants energy. */
  get wantsEnergy(): boolean {
    return this.car !== undefined && this.sessionWh < this.car.energyNeedWh;
  }

  /** The car's current per phase right now, A. */
  get currentA(): number {
    return this.currentAt(this.nowMs);
  }

  /** Moves the physics to `toMs`: applies due limits, ramps the car, counts energy, sends MeterValues when due. */
  advance(toMs: number): void {
    const dtMs = toMs - this.nowMs;
    this.pending.sort((a, b) => a.atMs - b.atMs);
    while (this.pending.length > 0 && this.pending[0]!.atMs <= toMs) {
      const { atMs, currentA, phases } = this.pending.shift()!;
      this.applyPhases(phases);
      this.limitA = currentA;
      this.offeredA = offeredCurrentA(currentA, this.options.minCurrentA, this.spec.maxCurrentA);
      this.retarget(atMs);
    }
    this.nowMs = toMs;
    const stepWh = this.currentAt(toMs) * this.phases * this.options.voltageV * dtMs / 3_600_000;
    this.sessionWh += stepWh;
    this.totalWh += stepWh;
    if (this.car && this.sessionWh >= this.car.energyNeedWh && this.rampToA > 0) {
      // Full: the car ends charging by itself.
      this.rampFromA = 0;
      this.rampToA = 0;
    }
    const interval = this.options.meterValuesIntervalMs;
    if (((toMs - this.spec.meterValuesOffsetMs) % interval + interval) % interval < Math.max(dtMs, 1)) {
      this.reported = { atMs: toMs, currentA: this.currentAt(toMs), offeredA: this.offeredA, sessionWh: this.sessionWh };
    }
  }

  /**
   * Jumps to `toMs` without counting energy (the scenario skips a stretch it does not score, e.g. a night in solar
   * mode): due limits are applied, ramps finish, MeterValues report the state at `toMs`.
   */
  skipTo(toMs: number): void {
    this.pending.sort((a, b) => a.atMs - b.atMs);
    while (this.pending.length > 0 && this.pending[0]!.atMs <= toMs) {
      const { atMs, currentA, phases } = this.pending.shift()!;
      this.applyPhases(phases);
      this.limitA = currentA;
      this.offeredA = offeredCurrentA(currentA, this.options.minCurrentA, this.spec.maxCurrentA);
      this.retarget(atMs);
    }
    this.nowMs = toMs;
    this.reported = { atMs: toMs, currentA: this.currentAt(toMs), offeredA: this.offeredA, sessionWh: this.sessionWh };
  }

  /** What the charger has told the gateway: status at once, measurements as of the last MeterValues. */
  state(): ChargerState {
    const r = this.reported;
    const measuredA = r?.currentA ?? 0;
    const status = !this.car ? 'available' : measuredA > 0.5 ? 'charging' : this.wantsEnergy ? 'suspended-evse' : 'suspended-ev';
    return {
      id: this.spec.id, connected: true, status, vehicleConnected: this.car !== undefined,
      powerW: measuredA * this.phases * this.options.voltageV,
      phaseCurrentsA: Array.from({ length: this.phases }, () => measuredA),
      offeredCurrentA: r?.offeredA ?? 0,
      ...(r !== undefined && this.car !== undefined ? { sessionEnergyWh: r.sessionWh } : {}),
      measuredAtMs: r?.atMs,
    };
  }

  private applyPhases(phases: 1 | 3): void {
    if (!this.spec.switchesPhases || this.spec.phases !== 3 || phases === this.phases) return;
    this.phases = phases;
    this.phaseSwitches++;
  }

  private retarget(atMs: number): void {
    const car = this.car;
    const target = car && this.sessionWh < car.energyNeedWh ? Math.min(this.offeredA, car.maxCurrentA) : 0;
    if (target === this.rampToA) return;
    this.rampFromA = this.currentAt(atMs);
    this.rampToA = target;
    this.rampStartMs = atMs;
  }

  private currentAt(atMs: number): number {
    const ramp = this.options.evRampMs;
    const progress = ramp <= 0 ? 1 : Math.min(1, Math.max(0, (atMs - this.rampStartMs) / ramp));
    return this.rampFromA + (this.rampToA - this.rampFromA) * progress;
  }
}

/** Non-controllable flows at one instant: household load per phase (A, >= 0) and PV production (W, balanced). */
export interface Exogenous {
  homeA: PhaseValues;
  pvW: number;
}

/** The site: chargers plus household and PV behind one grid meter; grid = home + EV − PV on each phase. */
export class Site {
  readonly chargers: ChargerPlant[];

  constructor(specs: readonly ChargerSpec[], readonly options: PlantOptions, startMs: number) {
    this.chargers = specs.map((s) => new ChargerPlant(s, options, startMs));
  }

  charger(id: string): ChargerPlant {
    const c = this.chargers.find((x) => x.spec.id === id);
    if (!c) throw new Error(`no charger ${id}`);
    return c;
  }

  advance(toMs: number): void {
    for (const c of this.chargers) c.advance(toMs);
  }

  skipTo(toMs: number): void {
    for (const c of this.chargers) c.skipTo(toMs);
  }

  /** Current the chargers draw on each grid phase, A (a 1-phase charger sits on L1). */
  chargerPhaseA(): [number, number, number] {
    const out: [number, number, number] = [0, 0, 0];
    for (const c of this.chargers) {
      const a = c.currentA;
      out[0] += a;
      if (c.phases === 3) { out[1] += a; out[2] += a; }
    }
    return out;
  }

  /** The grid meter's reading at `atMs`. */
  gridReading(atMs: number, exo: Exogenous): MeterReading {
    const v = this.options.voltageV;
    const ev = this.chargerPhaseA();
    const pvA = exo.pvW / (3 * v);
    const a: PhaseValues = [exo.homeA[0] + ev[0] - pvA, exo.homeA[1] + ev[1] - pvA, exo.homeA[2] + ev[2] - pvA];
    return { atMs, powerW: (a[0] + a[1] + a[2]) * v, phaseCurrentsA: a, phasePowersW: [a[0] * v, a[1] * v, a[2] * v] };
  }
}
