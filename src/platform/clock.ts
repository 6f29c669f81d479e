/**
 * Time, injected everywhere (DESIGN.md convention 5). Only this folder touches Date.now, setTimeout and
 * setInterval; the rest of Sunplug asks its Clock, so that tests can run hours of control in milliseconds.
 */
export interface Clock {
  nowMs(): number;
  /** Resolves after `ms`; rejects with an AbortError when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` every `ms` until the returned function is called. Errors thrown by `fn` are passed to `onError`. */
  every(ms: number, fn: () => void | Promise<void>, onError?: (error: unknown) => void): () => void;
}

export class RealClock implements Clock {
  nowMs(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  every(ms: number, fn: () => void | Promise<void>, onError?: (error: unknown) => void): () => void {
    const timer = setInterval(() => runGuarded(fn, onError), ms);
    return () => clearInterval(timer);
  }
}

/**
 * A clock that runs `speed` times faster than real time from `startMs` (the demo's `--speed N`). Intervals shorter
 * than 10 ms of real time are not honoured faster than that, so a high speed coarsens ticks instead of spinning.
 */
export class ScaledClock implements Clock {
  private readonly realStartMs = Date.now();

  constructor(private readonly speed: number, private readonly startMs: number = Date.now()) {
    if (!(speed > 0)) throw new RangeError('speed must be > 0');
  }

  nowMs(): number {
    return this.startMs + (Date.now() - this.realStartMs) * this.speed;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new RealClock().sleep(ms / this.speed, signal);
  }

  every(ms: number, fn: () => void | Promise<void>, onError?: (error: unknown) => void): () => void {
    return new RealClock().every(Math.max(10, ms / this.speed), fn, onError);
  }
}

interface PendingTimer {
  dueMs: number;
  seq: number;
  fire: () => void;
  intervalMs?: number;
}

/**
 * A clock that moves only when a test calls `advance()`. Timers fire in due order; between timers the microtask
 * queue and pending I/O callbacks get a turn, so promise chains started by a timer settle before the next one fires.
 */
export class FakeClock implements Clock {
  private now: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(startMs = Date.UTC(2026, 5, 21, 10, 0, 0)) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const timer: PendingTimer = { dueMs: this.now + Math.max(0, ms), seq: this.seq++, fire: () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      } };
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  every(ms: number, fn: () => void | Promise<void>, onError?: (error: unknown) => void): () => void {
    if (!(ms > 0)) throw new RangeError('interval must be > 0');
    const timer: PendingTimer = { dueMs: this.now + ms, seq: this.seq++, intervalMs: ms, fire: () => runGuarded(fn, onError) };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Number of timers waiting, for tests that check nothing leaks. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      const next = this.timers.reduce<PendingTimer | undefined>((earliest, t) =>
        t.dueMs <= target && (earliest === undefined || t.dueMs < earliest.dueMs ||
          (t.dueMs === earliest.dueMs && t.seq < earliest.seq)) ? t : earliest, undefined);
      if (next === undefined) break;
      this.now = Math.max(this.now, next.dueMs);
      if (next.intervalMs !== undefined) {
        next.dueMs += next.intervalMs;
        next.seq = this.seq++;
      } else {
        this.timers = this.timers.filter((t) => t !== next);
      }
      next.fire();
      await settle();
    }
    this.now = target;
    await settle();
  }
}

/** Lets pending promise callbacks and already-arrived I/O callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function runGuarded(fn: () => void | Promise<void>, onError?: (error: unknown) => void): void {
  try {
    const result = fn();
    if (result instanceof Promise) result.catch((error: unknown) => onError?.(error));
  } catch (error) {
    onError?.(error);
  }
}

function abortError(): Error {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}
