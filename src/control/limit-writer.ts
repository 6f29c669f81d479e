import type { ChargeLimit } from '../domain/charge-limit.ts';
import type { ApplyResult, ChargerAdapter } from '../chargers/charger-adapter.ts';

export interface LimitWriterOptions {
  /** Changes smaller than this are not written, A (flash wear); a change to or from 0 A always is. */
  deadBandA: number;
  /** Least time between two writes that are not safety reductions, ms. */
  minIntervalMs: number;
}

export const DEFAULT_LIMIT_WRITER_OPTIONS: LimitWriterOptions = { deadBandA: 0.5, minIntervalMs: 10_000 };

interface Written {
  currentA: number;
  phases: number;
  atMs: number;
}

export type WriteOutcome = ApplyResult | { outcome: 'held'; detail: string };

/**
 * Decides which limits are worth a profile write and sends them. Charger flash wears with every write, so noise
 * below the dead band is dropped and raises wait for the minimum interval; a reduction for safety goes out at once.
 */
export class LimitWriter {
  private readonly written = new Map<string, Written>();

  constructor(private readonly options: LimitWriterOptions = DEFAULT_LIMIT_WRITER_OPTIONS) {}

  async write(adapter: ChargerAdapter, limit: ChargeLimit, nowMs: number): Promise<WriteOutcome> {
    const last = this.written.get(limit.chargerId);
    const hold = this.holdReason(last, limit, nowMs);
    if (hold !== undefined) return { outcome: 'held', detail: hold };
    const result = await adapter.applyLimit(limit);
    if (result.outcome === 'applied' || result.outcome === 'unchanged') {
      this.written.set(limit.chargerId, { currentA: limit.currentA, phases: limit.phases, atMs: nowMs });
    }
    return result;
  }

  /** The limit last accepted by the charger, A, or undefined before the first write. */
  lastWrittenA(chargerId: string): number | undefined {
    return this.written.get(chargerId)?.currentA;
  }

  /** Forget what was written to a charger (it rebooted or reconnected and may have lost or changed its profile). */
  forget(chargerId: string): void {
    this.written.delete(chargerId);
  }

  private holdReason(last: Written | undefined, limit: ChargeLimit, nowMs: number): string | undefined {
    if (last === undefined) return undefined;
    if (last.currentA === limit.currentA && last.phases === limit.phases) return 'unchanged';
    const lowering = limit.currentA < last.currentA;
    if (limit.safety && lowering) return undefined;
    if (last.phases !== limit.phases) return undefined;
    const crossesZero = (last.currentA === 0) !== (limit.currentA === 0);
    if (!crossesZero && Math.abs(limit.currentA - last.currentA) < this.options.deadBandA) {
      return `change below the ${this.options.deadBandA} A dead band`;
    }
    if (nowMs - last.atMs < this.options.minIntervalMs) {
      return `last write ${Math.round((nowMs - last.atMs) / 1000)} s ago`;
    }
    return undefined;
  }
}
