import type { ChargingSession, TransactionEvent } from '../domain/charging-session.ts';
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
export class SessionStore {
  private readonly insertStart;
  private readonly updateMeter;
  private readonly insertAdopted;
  private readonly finish;
  private readonly byKey;

  constructor(private readonly db: SqliteDatabase) {
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
    this.byKey = db.prepare('SELECT * FROM sessions WHERE charger_id = ? AND transaction_id = ?');
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

  get(chargerId: string, transactionId: string): ChargingSession | undefined {
    const row = this.byKey.get(chargerId, transactionId) as SessionRow | undefined;
    return row ? toSession(row) : undefined;
  }

  /** Newest first. */
  list(query: SessionQuery = {}): ChargingSession[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: query.limit ?? 100 };
    if (query.chargerId !== undefined) { where.push('charger_id = @chargerId'); params.chargerId = query.chargerId; }
    if (query.idTag !== undefined) { where.push('id_tag = @idTag'); params.idTag = query.idTag; }
    if (query.fromMs !== undefined) { where.push('started_at_ms >= @fromMs'); params.fromMs = query.fromMs; }
    if (query.toMs !== undefined) { where.push('started_at_ms < @toMs'); params.toMs = query.toMs; }
    const sql = `SELECT * FROM sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at_ms DESC, id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as SessionRow[]).map(toSession);
  }
}

function toSession(row: SessionRow): ChargingSession {
  return {
    id: row.id, chargerId: row.charger_id, transactionId: row.transaction_id, idTag: row.id_tag,
    startedAtMs: row.started_at_ms, stoppedAtMs: row.stopped_at_ms, meterStartWh: row.meter_start_wh,
    meterStopWh: row.meter_stop_wh, energyWh: row.energy_wh, peakPowerW: row.peak_power_w, stopReason: row.stop_reason,
  };
}
