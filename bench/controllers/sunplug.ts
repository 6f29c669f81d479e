import type { ApplyResult, ChargerAdapter } from '../../src/chargers/charger-adapter.ts';
import { rememberWhatWasWritten } from '../../src/control/control-loop.ts';
import { DEFAULT_LIMIT_WRITER_OPTIONS, LimitWriter, type LimitWriterOptions, type WriteOutcome } from '../../src/control/limit-writer.ts';
import type { ChargeLimit } from '../../src/domain/charge-limit.ts';
import type { MeterReading } from '../../src/domain/meter-reading.ts';
import { decide, INITIAL_POLICY_STATE, type PolicyState } from '../../src/policy/decide.ts';
import { gridPhaseCurrentsA } from '../../src/policy/fuse-guard.ts';
import type { SurplusSlot } from '../../src/policy/planner.ts';
import type { ChargerPlanTarget, PolicySettings } from '../../src/policy/policy-settings.ts';
import type { Controller, Gateway } from '../simulation.ts';

/**
 * Sunplug as deployed: the real `decide()` and the real LimitWriter (dead band, one non-safety write per 10 s,
 * safety reductions at once), ticking every `tickMs` and at once on a grid reading above the fuse limit, as
 * src/control/control-loop.ts does. Only the OCPP transport is replaced by an in-memory adapter.
 */
export class SunplugController implements Controller {
  readonly name = 'Sunplug';
  /** decide() calls and their wall time, for the compute figures. */
  decisions = 0;
  private state: PolicyState = INITIAL_POLICY_STATE;
  private grid: MeterReading | undefined;
  private nowMs = 0;
  private readonly writer: LimitWriter;
  private readonly adapters: Map<string, ChargerAdapter>;
  private readonly plans = new Map<string, ChargerPlanTarget>();
  /** The surplus forecast the control loop would hand to decide() (plan inputs), when the scenario has one. */
  surplusForecast: ((nowMs: number) => SurplusSlot[]) | undefined;

  constructor(
    private readonly gateway: Gateway,
    private readonly settings: PolicySettings,
    private readonly tickMs = 1_000,
    private readonly tickPhaseMs = 500,
    writerOptions: LimitWriterOptions = DEFAULT_LIMIT_WRITER_OPTIONS,
  ) {
    this.writer = new LimitWriter(writerOptions);
    this.adapters = new Map(settings.chargers.map((c) => [c.id, this.adapter(c.id)]));
  }

  /** A charger's target (the homeowner's plan or the car's own needs), as main.ts puts it in the policy settings. */
  setPlan(chargerId: string, target: ChargerPlanTarget | undefined): void {
    if (target === undefined) this.plans.delete(chargerId); else this.plans.set(chargerId, target);
  }

  async onGridReading(reading: MeterReading): Promise<void> {
    this.grid = reading;
    const site = this.settings.site;
    const limitA = site.mainFuseA - site.safetyMarginA;
    if (gridPhaseCurrentsA(reading, site).some((a) => a > limitA)) await this.tick(reading.atMs);
  }

  nextTickMs(atMs: number): number {
    return Math.ceil((atMs - this.tickPhaseMs) / this.tickMs) * this.tickMs + this.tickPhaseMs;
  }

  async tick(nowMs: number): Promise<void> {
    this.nowMs = nowMs;
    const snapshot = { nowMs, grid: this.grid, chargers: this.gateway.states(),
      ...(this.surplusForecast !== undefined ? { surplusForecast: this.surplusForecast(nowMs) } : {}) };
    const settings = this.plans.size === 0 ? this.settings : {
      ...this.settings,
      chargers: this.settings.chargers.map((c) => (this.plans.has(c.id) ? { ...c, plan: this.plans.get(c.id)! } : c)),
    };
    const decision = decide(snapshot, this.state, settings);
    this.decisions++;
    const writes = new Map<string, WriteOutcome>();
    for (const limit of decision.limits) {
      const adapter = this.adapters.get(limit.chargerId);
      if (adapter) writes.set(limit.chargerId, await this.writer.write(adapter, limit, nowMs));
    }
    // As the control loop: a held write leaves the charger on its old limit, and the policy must believe that one.
    this.state = rememberWhatWasWritten(this.state, decision.next, writes);
  }

  /** An in-memory adapter: the writer only calls `applyLimit`, so the rest of the interface is not implemented. */
  private adapter(id: string): ChargerAdapter {
    const adapter: Pick<ChargerAdapter, 'id' | 'snapshot' | 'applyLimit'> = {
      id,
      snapshot: () => this.gateway.state(id),
      applyLimit: async (limit: ChargeLimit): Promise<ApplyResult> => {
        this.gateway.send({ atMs: this.nowMs, chargerId: id, currentA: limit.currentA, safety: limit.safety, phases: limit.phases });
        return { outcome: 'applied' };
      },
    };
    return adapter as ChargerAdapter;
  }
}
