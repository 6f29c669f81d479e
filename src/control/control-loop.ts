import type { ChargerAdapter } from '../chargers/charger-adapter.ts';
import type { ChargeLimit } from '../domain/charge-limit.ts';
import type { MeterReading, MeterRole } from '../domain/meter-reading.ts';
import type { PricePeriod, SiteSnapshot } from '../domain/site-snapshot.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { decide, INITIAL_POLICY_STATE, type Decision, type PolicyState } from '../policy/decide.ts';
import { gridPhaseCurrentsA } from '../policy/fuse-guard.ts';
import type { PolicySettings } from '../policy/policy-settings.ts';
import { DecisionLog, type TickTrigger } from './decision-log.ts';
import type { PlanSnapshotInputs } from './plan-inputs.ts';
import type { LimitWriter, WriteOutcome } from './limit-writer.ts';

export interface ControlLoopOptions {
  clock: Clock;
  logger: Logger;
  tickMs: number;
  settings: () => PolicySettings;
  latestReading: (role: MeterRole) => MeterReading | undefined;
  chargers: () => readonly ChargerAdapter[];
  writer: LimitWriter;
  /** Known grid prices from `nowMs` on, when a tariff is configured. */
  prices?: (nowMs: number) => readonly PricePeriod[];
  decisionLog?: DecisionLog;
  /**
   * Prices to the plan horizon, feed-in prices and the surplus forecast; asked only while a charger is in plan mode or
   * in solar mode with a target (the forecast then says whether the sun alone will do).
   */
  planInputs?: (nowMs: number) => PlanSnapshotInputs;
}

export interface TickResult {
  atMs: number;
  trigger: TickTrigger;
  decision: Decision;
  writes: Map<string, WriteOutcome>;
}

/**
 * The loop: every tick it snapshots the latest readings, calls the pure `decide()`, and writes every charger's limit
 * in parallel, so an overload is answered for all chargers in the same tick. A grid reading over the fuse limit does
 * not wait for the next tick. Ticks never overlap: a trigger during a tick runs one more tick right after it.
 */
/**
 * The policy remembers the limit it decided; a write that was held (dead band, rate limit, budget), rejected or
 * failed left the charger on its old limit, so the policy must go on believing that one.
 */
export function rememberWhatWasWritten(before: PolicyState, next: PolicyState, writes: Map<string, WriteOutcome>): PolicyState {
  const chargers = { ...next.chargers };
  for (const [id, write] of writes) {
    if (write.outcome === 'applied' || write.outcome === 'unchanged' || write.detail === 'unchanged') continue;
    const previous = before.chargers[id];
    const decided = chargers[id];
    if (decided === undefined) continue;
    chargers[id] = {
      ...decided,
      limitA: previous?.limitA,
      previousLimitA: previous?.previousLimitA,
      limitChangedAtMs: previous?.limitChangedAtMs,
    };
  }
  return { chargers };
}

export class ControlLoop {
  readonly decisionLog: DecisionLog;
  private state: PolicyState = INITIAL_POLICY_STATE;
  private startedAtMs: number | undefined;
  private running: Promise<void> | undefined;
  private queued: TickTrigger | undefined;
  private stopTimer: (() => void) | undefined;
  private last: TickResult | undefined;
  private readonly tickListeners = new Set<(result: TickResult) => void>();

  constructor(private readonly options: ControlLoopOptions) {
    this.decisionLog = options.decisionLog ?? new DecisionLog();
  }

  start(): void {
    this.startedAtMs = this.options.clock.nowMs();
    this.stopTimer = this.options.clock.every(this.options.tickMs, () => this.trigger('scheduled'),
      (error) => this.options.logger.error({ err: error }, 'control tick failed'));
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    this.queued = undefined;
    await this.running;
  }

  /** What the policy believes between ticks (limits actually written, timers), for installers and tests. */
  policyState(): PolicyState {
    return this.state;
  }

  lastTick(): TickResult | undefined {
    return this.last;
  }

  onTick(listener: (result: TickResult) => void): () => void {
    this.tickListeners.add(listener);
    return () => this.tickListeners.delete(listener);
  }

  /** Called for every new grid reading: over the fuse limit on any phase, decide now. */
  onGridReading(reading: MeterReading): void {
    const site = this.options.settings().site;
    const limitA = site.mainFuseA - site.safetyMarginA;
    if (gridPhaseCurrentsA(reading, site).some((a) => a > limitA)) void this.trigger('overload');
  }

  /** Runs a tick now, or right after the running one. Resolves when that tick is done. */
  trigger(trigger: TickTrigger): Promise<void> {
    if (this.running) {
      if (this.queued === undefined || trigger === 'overload') this.queued = trigger;
      return this.running;
    }
    this.running = this.runTicks(trigger).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runTicks(first: TickTrigger): Promise<void> {
    let trigger: TickTrigger | undefined = first;
    while (trigger !== undefined) {
      this.queued = undefined;
      try {
        await this.tick(trigger);
      } catch (error) {
        this.options.logger.error({ err: error }, 'control tick failed');
      }
      trigger = this.queued;
    }
  }

  private async tick(trigger: TickTrigger): Promise<void> {
    const { clock } = this.options;
    const adapters = this.options.chargers();
    const snapshot: SiteSnapshot = {
      nowMs: clock.nowMs(),
      grid: this.options.latestReading('grid'),
      pv: this.options.latestReading('pv'),
      battery: this.options.latestReading('battery'),
      chargers: adapters.map((a) => a.snapshot()),
    };
    if (this.options.prices) snapshot.prices = this.options.prices(snapshot.nowMs);
    const settings = this.options.settings();
    if (this.options.planInputs && settings.chargers.some((c) => c.mode === 'plan' || (c.mode === 'solar' && c.plan !== undefined))) Object.assign(snapshot, this.options.planInputs(snapshot.nowMs));
    if (this.awaitingFirstGridReading(snapshot, settings.site.gridMaxAgeMs)) return;
    const decision = decide(snapshot, this.state, settings);
    const before = this.state;
    const byId = new Map(adapters.map((a) => [a.id, a]));
    const writes = new Map<string, WriteOutcome>();
    await Promise.all(decision.limits.map(async (limit) => {
      const adapter = byId.get(limit.chargerId);
      if (!adapter) return;
      writes.set(limit.chargerId, await this.safeWrite(adapter, limit, snapshot.nowMs));
    }));
    this.state = rememberWhatWasWritten(before, decision.next, writes);
    for (const note of decision.reasons) {
      const limit = decision.limits.find((l) => l.chargerId === note.chargerId);
      this.decisionLog.record({
        atMs: snapshot.nowMs, chargerId: note.chargerId, currentA: limit?.currentA ?? 0, reason: note.reason,
        detail: note.detail, trigger, outcome: writes.get(note.chargerId)?.outcome ?? 'none',
      });
    }
    this.last = { atMs: snapshot.nowMs, trigger, decision, writes };
    for (const listener of this.tickListeners) listener(this.last);
  }

  /**
   * Right after start there is no grid reading yet: that is not a dead meter, so no limits are written until the first
   * reading arrives or the freshness bound has passed (then the policy's stale-meter fail-safe takes over).
   */
  private awaitingFirstGridReading(snapshot: SiteSnapshot, gridMaxAgeMs: number): boolean {
    return snapshot.grid === undefined && this.startedAtMs !== undefined && snapshot.nowMs - this.startedAtMs < gridMaxAgeMs;
  }

  private async safeWrite(adapter: ChargerAdapter, limit: ChargeLimit, nowMs: number): Promise<WriteOutcome> {
    try {
      const written = await this.options.writer.write(adapter, limit, nowMs);
      if (limit.stopTransaction && adapter.stopTransaction) {
        this.options.logger.warn({ charger: adapter.id }, 'charger ignores its 0 A limit: ending the transaction');
        const stopped = await adapter.stopTransaction();
        return { outcome: stopped.outcome, detail: `stop transaction: ${stopped.detail ?? stopped.outcome}` };
      }
      return written;
    } catch (error) {
      return { outcome: 'failed', detail: error instanceof Error ? error.message : String(error) };
    }
  }
}
