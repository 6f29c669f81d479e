/**
 * How many charging-profile writes a charger may take per day (DESIGN.md safety model 4: profile writes wear the
 * charger's flash; Easee, for one, documents 100k lifetime writes and at most 25 schedules a day). The window is a
 * rolling 24 h, so there is no midnight burst. Safety writes are always let through but still counted: they wear
 * the flash like any other, and counting them keeps the report honest.
 *
 * Lives as long as the adapter (across reconnects), not across Sunplug restarts.
 */
export const DAY_MS = 86_400_000;

export interface WriteBudgetReport {
  perDay: number;
  /** Writes in the last 24 h, safety writes included. */
  usedLast24h: number;
  /** When the oldest counted write leaves the window (the budget grows by one), ms since the epoch. */
  nextFreeAtMs?: number;
}

export class WriteBudget {
  /** Times of the counted writes in the window, oldest first, ms. */
  private writes: number[] = [];

  constructor(private perDayLimit: number) {
    if (!(perDayLimit >= 1)) throw new RangeError('a write budget needs at least one write per day');
  }

  get perDay(): number {
    return this.perDayLimit;
  }

  /** A charger-specific budget (from the quirks table) replaces the default; writes already counted stay. */
  setPerDay(perDay: number): void {
    if (perDay >= 1) this.perDayLimit = perDay;
  }

  /** True when a write that is not a safety write may be sent now. */
  allows(nowMs: number): boolean {
    this.expire(nowMs);
    return this.writes.length < this.perDayLimit;
  }

  /** Counts one accepted write. */
  record(nowMs: number): void {
    this.expire(nowMs);
    this.writes.push(nowMs);
  }

  report(nowMs: number): WriteBudgetReport {
    this.expire(nowMs);
    const oldest = this.writes[0];
    return {
      perDay: this.perDayLimit,
      usedLast24h: this.writes.length,
      ...(oldest !== undefined && this.writes.length >= this.perDayLimit ? { nextFreeAtMs: oldest + DAY_MS } : {}),
    };
  }

  private expire(nowMs: number): void {
    const from = nowMs - DAY_MS;
    let drop = 0;
    while (drop < this.writes.length && (this.writes[drop] ?? 0) <= from) drop++;
    if (drop > 0) this.writes = this.writes.slice(drop);
  }
}
