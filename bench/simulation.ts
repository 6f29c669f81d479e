import type { ChargerState } from '../src/domain/charger-state.ts';
import type { MeterReading } from '../src/domain/meter-reading.ts';
import type { Exogenous, Site } from './plant.ts';

/** A limit as it left the gateway for a charger. */
export interface SentLimit {
  atMs: number;
  chargerId: string;
  currentA: number;
  safety: boolean;
  /** Phases the limit asks for (chargers that switch phases); default the charger's. */
  phases?: 1 | 3;
}

/** What a controller sees and drives: the chargers' reported states, and a way to send limits. */
export class Gateway {
  readonly sent: SentLimit[] = [];
  private readonly listeners: ((limit: SentLimit) => void)[] = [];

  constructor(readonly site: Site) {}

  states(): ChargerState[] {
    return this.site.chargers.map((c) => c.state());
  }

  state(id: string): ChargerState {
    return this.site.charger(id).state();
  }

  send(limit: SentLimit): void {
    this.site.charger(limit.chargerId).send(limit.currentA, limit.atMs, limit.phases);
    this.sent.push(limit);
    for (const l of this.listeners) l(limit);
  }

  onSend(listener: (limit: SentLimit) => void): void {
    this.listeners.push(listener);
  }
}

export interface Controller {
  readonly name: string;
  /** Every grid meter reading (each plant step); a controller may decide at once. */
  onGridReading(reading: MeterReading): Promise<void>;
  /** First scheduled tick at or after `atMs`. */
  nextTickMs(atMs: number): number;
  tick(nowMs: number): Promise<void>;
}

export interface Window {
  fromMs: number;
  toMs: number;
}

export interface SimulationOptions {
  site: Site;
  controller: Controller;
  windows: readonly Window[];
  stepMs: number;
  exogenous: (atMs: number) => Exogenous;
  /** Plug-in and plug-out events before the physics moves to `atMs`. */
  beforeStep?: (atMs: number) => void;
  /** After the meter read at `atMs` (the state over the step that ended there), before the controller acts. */
  observe: (atMs: number, reading: MeterReading, exo: Exogenous) => void;
}

/**
 * Runs the site and a controller over time windows (gaps between them are skipped and not scored: the plant jumps
 * ahead, the controller keeps its memory). Per step: events, physics, meter read, observation, the controller's reaction to the
 * reading, then its scheduled ticks in this step, which use that reading.
 */
export async function simulate(o: SimulationOptions): Promise<void> {
  const { site, controller, stepMs } = o;
  for (const w of o.windows) {
    o.beforeStep?.(w.fromMs);
    site.skipTo(w.fromMs);
    let nextTick = controller.nextTickMs(w.fromMs);
    for (let t = w.fromMs + stepMs; t <= w.toMs; t += stepMs) {
      o.beforeStep?.(t);
      site.advance(t);
      const exo = o.exogenous(t);
      const reading = site.gridReading(t, exo);
      o.observe(t, reading, exo);
      await controller.onGridReading(reading);
      while (nextTick < t + stepMs) {
        await controller.tick(Math.max(nextTick, t));
        nextTick = controller.nextTickMs(Math.max(nextTick, t) + 1);
      }
    }
  }
}
