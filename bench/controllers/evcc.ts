import type { MeterReading } from '../../src/domain/meter-reading.ts';
import type { Controller, Gateway } from '../simulation.ts';

/**
 * An evcc-style baseline, from evcc's published behaviour (reference/control.md §1–3): one loadpoint per tick,
 * round-robin, every 30 s; PV target = effectiveCurrent + (−sitePower)/(phases·230), effectiveCurrent = min(measured
 * + 2 A, offered) while charging, else 0; 1 min enable and 3 min disable delays at 0 W thresholds, minCurrent held
 * while the disable timer runs; whole amps (rounded down); the circuit (the main fuse, metered by the grid meter)
 * checked only at the loadpoint being updated: an increase is capped at old + (max − actual), which can also lower it.
 */
export interface EvccLoadpoint {
  id: string;
  mode: 'pv' | 'now' | 'off';
  phases: 1 | 3;
  minCurrentA: number;
  maxCurrentA: number;
}

export interface EvccOptions {
  intervalMs: number;
  enableDelayMs: number;
  disableDelayMs: number;
  voltageV: number;
  /** Circuit limit per phase, A (evcc's `maxCurrent` of the root circuit); undefined for no circuit. */
  circuitMaxA?: number;
}

export const EVCC_DEFAULTS: Omit<EvccOptions, 'circuitMaxA'> = {
  intervalMs: 30_000, enableDelayMs: 60_000, disableDelayMs: 180_000, voltageV: 230,
};

interface LoadpointState {
  enabled: boolean;
  offeredA: number;
  enableSinceMs?: number;
  disableSinceMs?: number;
}

export class EvccController implements Controller {
  readonly name = 'evcc-style';
  private grid: MeterReading | undefined;
  private next = 0;
  private readonly lp: Map<string, LoadpointState>;

  constructor(
    private readonly gateway: Gateway,
    private readonly loadpoints: readonly EvccLoadpoint[],
    private readonly options: EvccOptions,
    private readonly tickPhaseMs = 15_500,
  ) {
    this.lp = new Map(loadpoints.map((l) => [l.id, { enabled: false, offeredA: 0 }]));
  }

  async onGridReading(reading: MeterReading): Promise<void> {
    this.grid = reading;
  }

  nextTickMs(atMs: number): number {
    const i = this.options.intervalMs;
    return Math.ceil((atMs - this.tickPhaseMs) / i) * i + this.tickPhaseMs;
  }

  async tick(nowMs: number): Promise<void> {
    const lp = this.loadpoints[this.next % this.loadpoints.length];
    this.next++;
    if (!lp || !this.grid) return;
    const st = this.lp.get(lp.id)!;
    const charger = this.gateway.state(lp.id);
    let target: number;
    if (!charger.vehicleConnected || lp.mode === 'off') {
      target = 0;
      st.enableSinceMs = undefined;
      st.disableSinceMs = undefined;
    } else if (lp.mode === 'now') {
      target = lp.maxCurrentA;
    } else {
      target = this.pvMaxCurrent(lp, st, nowMs);
    }
    if (this.options.circuitMaxA !== undefined) {
      const actualA = Math.max(...(this.grid.phaseCurrentsA ?? [0]));
      const potentialA = this.options.circuitMaxA - actualA;
      if (Math.max(0, target - st.offeredA) > potentialA) target = Math.max(0, st.offeredA + potentialA);
    }
    const rounded = Math.floor(target + 1e-9);
    const currentA = rounded >= lp.minCurrentA ? Math.min(rounded, lp.maxCurrentA) : 0;
    st.enabled = currentA > 0;
    if (currentA !== st.offeredA) {
      this.gateway.send({ atMs: nowMs, chargerId: lp.id, currentA, safety: currentA < st.offeredA });
      st.offeredA = currentA;
    }
  }

  private pvMaxCurrent(lp: EvccLoadpoint, st: LoadpointState, nowMs: number): number {
    const charger = this.gateway.state(lp.id);
    const sitePowerW = this.grid!.powerW;
    const charging = charger.status === 'charging';
    const measuredA = Math.max(0, ...(charger.phaseCurrentsA ?? [0]));
    const effectiveA = charging ? Math.min(measuredA + 2, st.offeredA) : 0;
    const target = Math.max(effectiveA + -sitePowerW / (lp.phases * this.options.voltageV), 0);
    if (st.enabled && target < lp.minCurrentA) {
      if (sitePowerW >= 0) {
        st.disableSinceMs ??= nowMs;
        if (nowMs - st.disableSinceMs >= this.options.disableDelayMs) {
          st.disableSinceMs = undefined;
          return 0;
        }
      } else {
        st.disableSinceMs = undefined;
      }
      return lp.minCurrentA;
    }
    if (!st.enabled) {
      if (target >= lp.minCurrentA) {
        st.enableSinceMs ??= nowMs;
        if (nowMs - st.enableSinceMs >= this.options.enableDelayMs) {
          st.enableSinceMs = undefined;
          return lp.minCurrentA;
        }
      } else {
        st.enableSinceMs = undefined;
      }
      return 0;
    }
    st.enableSinceMs = undefined;
    st.disableSinceMs = undefined;
    return Math.min(target, lp.maxCurrentA);
  }
}
