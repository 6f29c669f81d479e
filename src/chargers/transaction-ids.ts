import type { Clock } from '../platform/clock.ts';

/** 2020-01-01T00:00:00Z: counting seconds from here keeps ids well inside OCPP 1.6's int32 until about 2088. */
const EPOCH_MS = Date.UTC(2020, 0, 1);

/**
 * OCPP 1.6 transaction ids: integers the CSMS assigns in StartTransaction. One source per server, shared by all
 * chargers. Starting from the seconds since 2020 at start-up keeps ids unique across Sunplug restarts without
 * storage, as long as fewer than one transaction per second is started on average.
 */
export class TransactionIdSource {
  private next: number;

  constructor(clock: Clock) {
    this.next = Math.max(1, Math.floor((clock.nowMs() - EPOCH_MS) / 1000));
  }

  take(): number {
    return this.next++;
  }
}
