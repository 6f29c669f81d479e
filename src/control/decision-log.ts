import type { Reason } from '../domain/reason.ts';

/** One entry of the decision log: a charger's limit or reason changed, and why. */
export interface DecisionLogEntry {
  atMs: number;
  chargerId: string;
  currentA: number;
  reason: Reason;
  detail: string;
  trigger: TickTrigger;
  /** What happened to the write: applied, held (dead band, rate limit), rejected, failed, offline. */
  outcome: string;
}

export type TickTrigger = 'scheduled' | 'overload' | 'settings' | 'charger';

/**
 * A bounded log that answers "why is my car not charging?". It records only changes of limit, reason or write
 * outcome per charger, so a steady state costs nothing and the log spans hours, not seconds.
 */
export class DecisionLog {
  private readonly entries: DecisionLogEntry[] = [];
  private readonly lastKey = new Map<string, string>();

  constructor(private readonly capacity = 1000) {}

  record(entry: DecisionLogEntry): void {
    const key = `${entry.currentA}|${entry.reason}|${entry.outcome}`;
    if (this.lastKey.get(entry.chargerId) === key) return;
    this.lastKey.set(entry.chargerId, key);
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** Newest first. */
  list(filter: { chargerId?: string; limit?: number } = {}): DecisionLogEntry[] {
    const matching = this.entries.filter((e) => filter.chargerId === undefined || e.chargerId === filter.chargerId);
    return matching.reverse().slice(0, filter.limit ?? 100);
  }
}
