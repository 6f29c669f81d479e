import type { ChargingSession, TransactionEvent } from '../domain/charging-session.ts';
import type { SessionAccount, SessionAccountSink } from '../control/session-accounting.ts';
import type { SqliteDatabase } from './database.ts';

interface SessionRow {
  id: number;
  charger_id: string;
  transaction_id: string;
  id_tag: string | null;
  started_at_ms: number;
  stopped_at_ms: number | null;
  meter_start_wh: number | null;
  meter_stop_wh: number | null;
  energy_wh: number;
  peak_power_w: number;
  stop_reason: string | null;
  accounted_wh: number;
  solar_wh: number;
  priced_wh: number;
  cost: number;
  currency: string | null;
  /** From the card list (LEFT JOIN cards); null for an unknown card. */
  card_owner: string | null;
}

/** A session row with its card's owner from the card list. */
const SELECT_SESSIONS = 'SELECT s.*, c.owner AS card_owner FROM sessions s LEFT JOIN cards c ON c.id_tag = s.id_tag';

export interface SessionStoreOptions {
  /** Accounting totals not yet written (control/session-accounting.ts), added to what the rows hold. */
  unflushed?: (chargerId: string, transactionId: string) => SessionAccount | undefined;
}

export interface SessionQuery {
  chargerId?: string;
  idTag?: string;
  fromMs?: number;
  toMs?: number;
  limit?: number;
}

/**
 * Charging sessions in SQLite, one row per (charger, transaction). Events may repeat (a charger retransmits after
 * a reconnect) or arrive after a Sunplug restart: a start of a known transaction changes nothing, a meter update or
 * stop of an unknown one creates the row, so a session is neither lost nor doubled.
 */
export class SessionStore implements SessionAccountSink {
  private readonly insertStart;
  private readonly addAccount;
  private readonly updateMeter;
  private readonly insertAdopted;
  private readonly finish;
  private readonly byKey;

  constructor(private readonly db: SqliteDatabase, private readonly options: SessionStoreOptions = {}) {
    this.addAccount = db.prepare(`UPDATE sessions SET accounted_wh = accounted_wh + @accountedWh, solar_wh = solar_wh + @solarWh,
        priced_wh = priced_wh + @pricedWh, cost = cost + @cost, currency = COALESCE(currency, @currency)
      WHERE charger_id = @chargerId AND transaction_id = @transactionId`);
    this.insertStart = db.prepare(`INSERT INTO sessions (charger_id, transaction_id, id_tag, started_at_ms, meter_start_wh)
      VALUES (@chargerId, @transactionId, @idTag, @atMs, @meterStartWh) ON CONFLICT (charger_id, transaction_id) DO NOTHING`);
    this.insertAdopted = db.prepare(`INSERT INTO sessions (charger_id, transaction_id, started_at_ms)
      VALUES (@chargerId, @transactionId, @atMs) ON CONFLICT (charger_id, transaction_id) DO NOTHING`);
    this.updateMeter = db.prepare(`UPDATE sessions SET
        energy_wh = CASE WHEN @energyWh IS NULL THEN energy_wh ELSE MAX(energy_wh, @energyWh) END,
        peak_power_w = CASE WHEN @powerW IS NULL THEN peak_power_w ELSE MAX(peak_power_w, @powerW) END
      WHERE charger_id = @chargerId AND transaction_id = @transactionId`);
    this.finish = db.prepare(`UPDATE sessions SET stopped_at_ms = @atMs, meter_stop_wh = @meterStopWh, stop_reason = @stopReason,
        energy_wh = CASE
          WHEN @meterStopWh IS NOT NULL AND meter_start_wh IS NOT NULL AND @meterStopWh >= meter_start_wh THEN @meterStopWh - meter_start_wh
          WHEN @energyWh IS NOT NULL THEN MAX(energy_wh, @energyWh)
          ELSE energy_wh END
      WHERE charger_id = @chargerId AND transaction_id = @transactionId AND stopped_at_ms IS NULL`);
    this.byKey = db.prepare(`${SELECT_SESSIONS} WHERE s.charger_id = ? AND s.transaction_id = ?`);
  }

  record(event: TransactionEvent): void {
    const key = { chargerId: event.chargerId, transactionId: event.transactionId };
    this.db.transaction(() => {
      switch (event.kind) {
        case 'started':
          this.insertStart.run({ ...key, atMs: event.atMs, idTag: event.idTag ?? null, meterStartWh: event.meterStartWh ?? null });
          break;
        case 'meter':
          this.insertAdopted.run({ ...key, atMs: event.atMs });
          this.updateMeter.run({ ...key, energyWh: event.sessionEnergyWh ?? null, powerW: event.powerW ?? null });
          break;
        case 'ended':
          this.insertAdopted.run({ ...key, atMs: event.atMs });
          this.finish.run({ ...key, atMs: event.atMs, meterStopWh: event.meterStopWh ?? null,
            stopReason: event.stopReason ?? null, energyWh: event.sessionEnergyWh ?? null });
          break;
      }
    })();
  }

  /** Adds accounting totals to a stored session; false when the session is not stored. */
  addToSession(chargerId: string, transactionId: string, amounts: SessionAccount): boolean {
    return this.addAccount.run({ chargerId, transactionId, ...amounts }).changes > 0;
  }

  get(chargerId: string, transactionId: string): ChargingSession | undefined {
    const row = this.byKey.get(chargerId, transactionId) as SessionRow | undefined;
    return row ? this.toSession(row) : undefined;
  }

  /** Newest first. */
  list(query: SessionQuery = {}): ChargingSession[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: query.limit ?? 100 };
    if (query.chargerId !== undefined) { where.push('s.charger_id = @chargerId'); params.chargerId = query.chargerId; }
    if (query.idTag !== undefined) { where.push('s.id_tag = @idTag'); params.idTag = query.idTag; }
    if (query.fromMs !== undefined) { where.push('s.started_at_ms >= @fromMs'); params.fromMs = query.fromMs; }
    if (query.toMs !== undefined) { where.push('s.started_at_ms < @toMs'); params.toMs = query.toMs; }
    const sql = `${SELECT_SESSIONS} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.started_at_ms DESC, s.id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as SessionRow[]).map((row) => this.toSession(row));
  }

  private toSession(row: SessionRow): ChargingSession {
    const extra = row.stopped_at_ms === null ? this.options.unflushed?.(row.charger_id, row.transaction_id) : undefined;
    const accountedWh = row.accounted_wh + (extra?.accountedWh ?? 0);
    const solarWh = row.solar_wh + (extra?.solarWh ?? 0);
    const pricedWh = row.priced_wh + (extra?.pricedWh ?? 0);
    const cost = row.cost + (extra?.cost ?? 0);
    // The charger's meter is the measure of the energy; the accounting gives its mix and its mean price.
    const energyWh = row.energy_wh > 0 ? row.energy_wh : accountedWh;
    const solarShare = accountedWh > 0 ? solarWh / accountedWh : null;
    return {
      id: row.id, chargerId: row.charger_id, transactionId: row.transaction_id, idTag: row.id_tag,
      owner: row.card_owner === null || row.card_owner === '' ? null : row.card_owner,
      startedAtMs: row.started_at_ms, stoppedAtMs: row.stopped_at_ms, meterStartWh: row.meter_start_wh,
      meterStopWh: row.meter_stop_wh, energyWh: round(energyWh, 1), peakPowerW: row.peak_power_w, stopReason: row.stop_reason,
      solarWh: solarShare === null ? null : round(energyWh * solarShare, 1),
      solarShare: solarShare === null ? null : round(solarShare, 4),
      cost: pricedWh > 0 ? round(energyWh * (cost / pricedWh), 4) : null,
      currency: pricedWh > 0 ? (row.currency ?? extra?.currency ?? null) : null,
      costEstimated: pricedWh > 0 && pricedWh < accountedWh * 0.999,
      durationMs: row.stopped_at_ms === null ? null : Math.max(0, row.stopped_at_ms - row.started_at_ms),
    };
  }
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
