import type { MeterReading, MeterRole } from '../domain/meter-reading.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { MeterDriver } from './meter-driver.ts';

export interface PolledMeter {
  driver: MeterDriver;
  role: MeterRole;
  intervalMs: number;
  /** A reading older than this is stale. */
  maxAgeMs: number;
}

/** Health of one meter as installers see it. */
export interface MeterHealth {
  id: string;
  role: MeterRole;
  lastSuccessAtMs?: number;
  lastErrorAtMs?: number;
  lastError?: string;
  errorCount: number;
  readCount: number;
  latencyMs?: number;
  stale: boolean;
}

type ReadingListener = (meterId: string, role: MeterRole, reading: MeterReading) => void;

/**
 * Reads every meter at its own interval and keeps the latest reading with its timestamp. A read still running when
 * the next one is due is not doubled: slow devices are read as fast as they answer, never in parallel with themselves.
 * A failed read keeps the previous reading as it was (with its old timestamp), so that freshness shows the failure.
 */
export class MeterPoller {
  private readonly latest = new Map<string, MeterReading>();
  private readonly health = new Map<string, MeterHealth>();
  private readonly busy = new Set<string>();
  private readonly listeners = new Set<ReadingListener>();
  private readonly stops = new Map<PolledMeter, () => void>();
  private readonly abort = new AbortController();
  private started = false;

  constructor(private meters: readonly PolledMeter[], private readonly clock: Clock, private readonly logger: Logger) {
    for (const m of meters) this.health.set(m.driver.id, { id: m.driver.id, role: m.role, errorCount: 0, readCount: 0, stale: true });
  }

  start(): void {
    this.started = true;
    for (const meter of this.meters) this.startMeter(meter);
  }

  /**
   * Swaps the set of meters while running (meters added or removed in the settings). A meter passed again as the same
   * object keeps its polling, latest reading and health; the others stop and their drivers close.
   */
  async replaceMeters(meters: readonly PolledMeter[]): Promise<void> {
    const gone = this.meters.filter((m) => !meters.includes(m));
    const added = meters.filter((m) => !this.meters.includes(m));
    this.meters = [...meters];
    for (const meter of gone) {
      this.stops.get(meter)?.();
      this.stops.delete(meter);
      if (!meters.some((m) => m.driver.id === meter.driver.id)) {
        this.latest.delete(meter.driver.id);
        this.health.delete(meter.driver.id);
      }
    }
    for (const meter of added) {
      this.latest.delete(meter.driver.id);
      this.health.set(meter.driver.id, { id: meter.driver.id, role: meter.role, errorCount: 0, readCount: 0, stale: true });
      if (this.started && !this.abort.signal.aborted) this.startMeter(meter);
    }
    await Promise.allSettled(gone.map((m) => m.driver.close()));
  }

  private startMeter(meter: PolledMeter): void {
    void this.poll(meter);
    this.stops.set(meter, this.clock.every(meter.intervalMs, () => this.poll(meter)));
  }

  onReading(listener: ReadingListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The newest reading of the first meter with this role, whatever its age: the policy judges freshness. */
  latestByRole(role: MeterRole): MeterReading | undefined {
    const meter = this.meters.find((m) => m.role === role);
    return meter ? this.latest.get(meter.driver.id) : undefined;
  }

  healthReport(): MeterHealth[] {
    const nowMs = this.clock.nowMs();
    return this.meters.map((m) => {
      const h = this.health.get(m.driver.id)!;
      const reading = this.latest.get(m.driver.id);
      return { ...h, stale: reading === undefined || nowMs - reading.atMs > m.maxAgeMs };
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const stop of this.stops.values()) stop();
    this.stops.clear();
    await Promise.allSettled(this.meters.map((m) => m.driver.close()));
  }

  private async poll(meter: PolledMeter): Promise<void> {
    const id = meter.driver.id;
    if (this.busy.has(id) || this.abort.signal.aborted) return;
    this.busy.add(id);
    const startedMs = this.clock.nowMs();
    const health = this.health.get(id)!;
    try {
      const reading = await meter.driver.read(this.abort.signal);
      if (!this.meters.includes(meter)) return;
      health.readCount += 1;
      health.lastSuccessAtMs = reading.atMs;
      health.latencyMs = this.clock.nowMs() - startedMs;
      this.latest.set(id, reading);
      for (const listener of this.listeners) listener(id, meter.role, reading);
    } catch (error) {
      if (this.abort.signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      if (health.lastError !== message) this.logger.warn({ meter: id, err: message }, 'meter read failed');
      health.errorCount += 1;
      health.lastError = message;
      health.lastErrorAtMs = this.clock.nowMs();
    } finally {
      this.busy.delete(id);
    }
  }
}
