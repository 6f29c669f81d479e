/**
 * Per-session accounting: at every control tick, the energy each charging car drew since the previous tick is split
 * into solar (the PV surplus after the household, shared between the cars in proportion to their power) and grid,
 * and priced with the tariff in force: grid energy at the import price, solar energy at the feed-in price (what the
 * homeowner gave up by not exporting it; 0 without a feed-in tariff). Totals are kept in memory and added to the
 * session's row at least once a minute and when the session ends, so killing Sunplug loses at most a minute.
 */
import { priceAt } from '../tariffs/price-slot.ts';
import type { SiteTariff } from '../tariffs/site-tariff.ts';

/** What one tick saw: site powers (W, null when unknown) and every charger's power and running transaction. */
export interface AccountingSample {
  atMs: number;
  pvW: number | null;
  /** Household consumption without the chargers, W. */
  homeW: number | null;
  chargers: readonly { id: string; transactionId?: string | undefined; powerW: number }[];
}

/** Prices in force at an instant, site currency per kWh; undefined where unknown. */
export interface PricesAt {
  gridPerKWh: number | undefined;
  feedInPerKWh: number | undefined;
  currency: string | undefined;
}

/** Amounts added to one session. Energies in Wh; `cost` in `currency` for the `pricedWh` part. */
export interface SessionAccount {
  accountedWh: number;
  solarWh: number;
  /** The part of `accountedWh` for which the grid price was known. */
  pricedWh: number;
  cost: number;
  currency: string | null;
}

/** Where the totals go: adds to the session's row; false when no such session is stored (yet). */
export interface SessionAccountSink {
  addToSession(chargerId: string, transactionId: string, amounts: SessionAccount): boolean;
}

export interface SessionAccountingOptions {
  sink: SessionAccountSink;
  prices: (atMs: number) => PricesAt;
  /** Unflushed totals are written when this much time has passed since the last write. Default 60 s. */
  flushIntervalMs?: number;
  /**
   * A longer gap between ticks (the loop was stopped, the process slept) is not filled in: power measured before it
   * says nothing about the gap. Default 60 s.
   */
  maxGapMs?: number;
  onError?: (error: unknown) => void;
}

const WH_PER_WATT_MS = 1 / 3_600_000;

export function emptyAccount(): SessionAccount {
  return { accountedWh: 0, solarWh: 0, pricedWh: 0, cost: 0, currency: null };
}

export class SessionAccounting {
  private previous: AccountingSample | undefined;
  private readonly pending = new Map<string, { chargerId: string; transactionId: string; account: SessionAccount }>();
  private lastFlushMs: number | undefined;
  private readonly flushIntervalMs: number;
  private readonly maxGapMs: number;

  constructor(private readonly options: SessionAccountingOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 60_000;
    this.maxGapMs = options.maxGapMs ?? 60_000;
  }

  /**
   * Accounts the interval since the previous sample with the previous sample's powers (what flowed during it), then
   * keeps this one. Writes the totals when the flush interval has passed.
   */
  tick(sample: AccountingSample): void {
    const before = this.previous;
    this.previous = sample;
    this.lastFlushMs ??= sample.atMs;
    if (before !== undefined) {
      const dtMs = sample.atMs - before.atMs;
      if (dtMs > 0 && dtMs <= this.maxGapMs) this.account(before, dtMs);
    }
    if (sample.atMs - this.lastFlushMs >= this.flushIntervalMs) this.flush(sample.atMs);
  }

  /** The session ended: write its totals now. */
  sessionEnded(chargerId: string, transactionId: string): void {
    const key = keyOf(chargerId, transactionId);
    const entry = this.pending.get(key);
    if (entry === undefined) return;
    this.write(key, entry);
  }

  /** Writes every unflushed total (every minute, and on shutdown). */
  flush(atMs?: number): void {
    if (atMs !== undefined) this.lastFlushMs = atMs;
    for (const [key, entry] of [...this.pending]) this.write(key, entry);
  }

  /** Totals accounted but not yet written for a session, so that a running session's view is up to date. */
  unflushed(chargerId: string, transactionId: string): SessionAccount | undefined {
    const entry = this.pending.get(keyOf(chargerId, transactionId));
    return entry === undefined ? undefined : { ...entry.account };
  }

  private account(sample: AccountingSample, dtMs: number): void {
    const charging = sample.chargers.filter((c) => c.transactionId !== undefined && c.powerW > 0);
    if (charging.length === 0) return;
    const carsW = charging.reduce((sum, c) => sum + c.powerW, 0);
    // Unknown household consumption: nothing can be shown to come from the sun, so it all counts as grid.
    const surplusW = sample.homeW === null ? 0 : Math.max(0, (sample.pvW ?? 0) - sample.homeW);
    const solarFraction = Math.min(1, surplusW / carsW);
    const prices = this.options.prices(sample.atMs);
    for (const charger of charging) {
      const energyWh = charger.powerW * dtMs * WH_PER_WATT_MS;
      const solarWh = energyWh * solarFraction;
      const gridWh = energyWh - solarWh;
      const key = keyOf(charger.id, charger.transactionId!);
      let entry = this.pending.get(key);
      if (entry === undefined) {
        entry = { chargerId: charger.id, transactionId: charger.transactionId!, account: emptyAccount() };
        this.pending.set(key, entry);
      }
      const account = entry.account;
      account.accountedWh += energyWh;
      account.solarWh += solarWh;
      if (prices.gridPerKWh !== undefined) {
        account.pricedWh += energyWh;
        account.cost += (gridWh * prices.gridPerKWh + solarWh * (prices.feedInPerKWh ?? 0)) / 1000;
        account.currency ??= prices.currency ?? null;
      }
    }
  }

  private write(key: string, entry: { chargerId: string; transactionId: string; account: SessionAccount }): void {
    try {
      // A session the store does not know yet (its start is still on the way) keeps its totals for the next flush.
      if (this.options.sink.addToSession(entry.chargerId, entry.transactionId, entry.account)) this.pending.delete(key);
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}

function keyOf(chargerId: string, transactionId: string): string {
  return `${chargerId}\u0000${transactionId}`;
}

/** The prices in force at an instant, read from the site's tariff. */
export function pricesFromTariff(tariff: Pick<SiteTariff, 'grid' | 'feedIn' | 'currency'>): (atMs: number) => PricesAt {
  return (atMs) => ({
    gridPerKWh: priceAt(tariff.grid.slots(atMs, atMs + 1000), atMs),
    feedInPerKWh: priceAt(tariff.feedIn.slots(atMs, atMs + 1000), atMs),
    currency: tariff.currency,
  });
}
