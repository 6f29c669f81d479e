import type { PhaseValues } from '../domain/meter-reading.ts';
import { dayNumber, seededRandom } from './seeded-random.ts';

export interface Appliance {
  name: string;
  powerW: number;
  /** Grid phase 0..2 it is wired to; undefined for 3-phase appliances spread evenly. */
  phase?: 0 | 1 | 2;
  minutes: number;
  /** Times a day it runs on average. */
  perDay: number;
}

export const DEMO_APPLIANCES: readonly Appliance[] = [
  { name: 'kettle', powerW: 2200, phase: 0, minutes: 3, perDay: 6 },
  { name: 'oven', powerW: 3000, phase: 1, minutes: 40, perDay: 1 },
  { name: 'washing machine', powerW: 2000, phase: 2, minutes: 60, perDay: 1 },
  { name: 'dishwasher', powerW: 1800, phase: 0, minutes: 50, perDay: 1 },
  { name: 'heat pump', powerW: 2400, minutes: 30, perDay: 6 },
  { name: 'vacuum cleaner', powerW: 900, phase: 1, minutes: 15, perDay: 1 },
];

interface Run {
  appliance: Appliance;
  startMs: number;
  endMs: number;
}

/**
 * Simulated household consumption per phase, W: a base load with a slow daily shape, a fridge cycling, and
 * appliances switched on from a seeded schedule (mostly in waking hours). An appliance can also be switched on by
 * hand (`switchOn`), which the demo uses to show the fuse guard.
 */
export class HouseholdLoad {
  private readonly runsByDay = new Map<number, Run[]>();
  private readonly manual: Run[] = [];

  constructor(private readonly seed: number, private readonly appliances: readonly Appliance[] = DEMO_APPLIANCES,
    private readonly utcOffsetMinutes = 60) {}

  switchOn(appliance: Appliance, atMs: number, durationMs = appliance.minutes * 60_000): void {
    this.manual.push({ appliance, startMs: atMs, endMs: atMs + durationMs });
  }

  /** Appliances running at this time, by name. */
  running(atMs: number): string[] {
    return this.runsAt(atMs).map((r) => r.appliance.name);
  }

  phasePowersW(atMs: number): PhaseValues {
    const localHour = (((atMs / 3_600_000) + this.utcOffsetMinutes / 60) % 24 + 24) % 24;
    const daily = 180 + 120 * Math.max(0, Math.sin(((localHour - 6) / 17) * Math.PI));
    const fridge = Math.floor(atMs / 60_000) % 20 < 7 ? 90 : 0;
    const out = [daily / 3 + fridge, daily / 3, daily / 3];
    for (const run of this.runsAt(atMs)) {
      if (run.appliance.phase === undefined) for (let p = 0; p < 3; p++) out[p]! += run.appliance.powerW / 3;
      else out[run.appliance.phase]! += run.appliance.powerW;
    }
    return [Math.round(out[0]!), Math.round(out[1]!), Math.round(out[2]!)];
  }

  private runsAt(atMs: number): Run[] {
    const day = dayNumber(atMs);
    const runs = [...this.scheduleFor(day - 1), ...this.scheduleFor(day), ...this.manual];
    return runs.filter((r) => atMs >= r.startMs && atMs < r.endMs);
  }

  private scheduleFor(day: number): Run[] {
    let runs = this.runsByDay.get(day);
    if (!runs) {
      const random = seededRandom(this.seed * 104729 + day);
      runs = [];
      for (const appliance of this.appliances) {
        const count = Math.floor(appliance.perDay + random());
        for (let i = 0; i < count; i++) {
          const localHour = 6.5 + random() * 16;
          const startMs = day * 86_400_000 + (localHour * 60 - this.utcOffsetMinutes) * 60_000;
          runs.push({ appliance, startMs, endMs: startMs + appliance.minutes * 60_000 });
        }
      }
      this.runsByDay.set(day, runs);
      if (this.runsByDay.size > 4) this.runsByDay.delete(this.runsByDay.keys().next().value!);
    }
    return runs;
  }
}
