import type { Clock } from '../../platform/clock.ts';

export interface AttemptLimiterOptions {
  /** Failures allowed within the window; the next attempt is refused until the oldest of them leaves the window. */
  maxFailures?: number;
  windowMs?: number;
  /** Client addresses remembered at most; beyond it the least recently failing ones are forgotten first. */
  maxClients?: number;
}

/**
 * Slows down password guessing per client address: after `maxFailures` failed attempts within `windowMs`, further
 * attempts are refused (429) until the oldest failure is older than the window. Memory is bounded: each client keeps
 * at most `maxFailures` times and at most `maxClients` clients are remembered, so a flood of addresses costs a
 * fixed amount of memory (it may then forget a client early, which only gives that client a few more guesses).
 */
export class AttemptLimiter {
  readonly maxFailures: number;
  readonly windowMs: number;
  private readonly maxClients: number;
  /** Failure times per client, oldest first; Map order is least recently failing first. */
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly clock: Clock, options: AttemptLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.maxClients = options.maxClients ?? 10_000;
    if (!(this.maxFailures >= 1 && this.windowMs > 0 && this.maxClients >= 1)) throw new RangeError('invalid attempt limiter options');
  }

  /** 0 when `client` may try now, otherwise how long it has to wait, ms. */
  retryAfterMs(client: string): number {
    const times = this.recent(client);
    if (times === undefined || times.length < this.maxFailures) return 0;
    return Math.max(1, times[0]! + this.windowMs - this.clock.nowMs());
  }

  recordFailure(client: string): void {
    const times = this.recent(client) ?? [];
    times.push(this.clock.nowMs());
    if (times.length > this.maxFailures) times.splice(0, times.length - this.maxFailures);
    this.failures.delete(client);
    this.failures.set(client, times);
    if (this.failures.size > this.maxClients) this.shrink();
  }

  /** A success forgets the client's failures (a typo or two before the right password costs nothing later). */
  recordSuccess(client: string): void {
    this.failures.delete(client);
  }

  /** Clients remembered now (tests check the bound). */
  size(): number {
    return this.failures.size;
  }

  private recent(client: string): number[] | undefined {
    const times = this.failures.get(client);
    if (times === undefined) return undefined;
    const cutoff = this.clock.nowMs() - this.windowMs;
    while (times.length > 0 && times[0]! <= cutoff) times.shift();
    if (times.length === 0) {
      this.failures.delete(client);
      return undefined;
    }
    return times;
  }

  private shrink(): void {
    const cutoff = this.clock.nowMs() - this.windowMs;
    for (const [client, times] of this.failures) {
      if (times[times.length - 1]! <= cutoff) this.failures.delete(client);
    }
    for (const client of this.failures.keys()) {
      if (this.failures.size <= this.maxClients) break;
      this.failures.delete(client);
    }
  }
}
