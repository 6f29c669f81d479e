/**
 * Keeps an energy counter honest: it may not run backwards, nor rise faster than the maximum power allows. A value
 * that fails is garbage (a torn read, a sentinel the device forgot to flag) and is left out of the reading; the last
 * accepted value stays the reference. A counter that stays lower read after read was reset or replaced, and is
 * believed after `resetAfter` lower values in a row.
 */
export type CounterVerdict = 'ok' | 'backwards' | 'jump' | 'impossible';

/** Slack for counter rises on top of what the maximum power allows: counters with 0.1 kWh steps jump by 100 Wh. */
const COUNTER_RISE_SLACK_WH = 1000;
const COUNTER_RESET_AFTER = 10;

export class CounterGuard {
  lastValue: number | undefined;
  private lastAtMs = 0;
  private lowerInARow = 0;

  constructor(private readonly resetAfter = COUNTER_RESET_AFTER) {}

  offer(value: number, nowMs: number, maxPowerW: number): CounterVerdict {
    if (!Number.isFinite(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) return 'impossible';
    if (this.lastValue !== undefined && value < this.lastValue) {
      this.lowerInARow++;
      if (this.lowerInARow < this.resetAfter) return 'backwards';
    } else if (this.lastValue !== undefined) {
      const maxRiseWh = (maxPowerW * Math.max(0, nowMs - this.lastAtMs)) / 3_600_000 + COUNTER_RISE_SLACK_WH;
      if (value - this.lastValue > maxRiseWh) return 'jump';
    }
    this.lastValue = value;
    this.lastAtMs = nowMs;
    this.lowerInARow = 0;
    return 'ok';
  }
}
