import type { SqliteDatabase } from './database.ts';

/** Site powers at one moment, W (signs as in the domain: grid > 0 import, battery > 0 discharge). Null = unknown. */
export interface PowerSample {
  gridW: number | null;
  pvW: number | null;
  homeW: number | null;
  batteryW: number | null;
  chargersW: number;
}

export interface HistoryPoint extends PowerSample {
  atMs: number;
  /** Minutes of data behind the averages (1 for a minute; up to 60 for an hour, 1440 for a day): energy = W × minutes / 60. */
  minutes: number;
}

export type HistoryResolution = 'minute' | 'hour' | 'day';

const FIELDS = ['gridW', 'pvW', 'homeW', 'batteryW', 'chargersW'] as const;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * Per-minute averages of the site's powers, and hourly averages kept for good. Samples are averaged in memory and a
 * minute is written when the next one begins, so a crash loses at most the minute in progress. Minute rows older than
 * the retention are deleted; the hourly rows carry the long history (downsampling by construction).
 */
export class HistoryStore {
  private minuteMs: number | undefined;
  private sums = emptySums();
  private lastPruneMs = 0;
  private readonly insertMinute;
  private readonly upsertHour;
  private readonly prune;

  constructor(private readonly db: SqliteDatabase, private readonly minuteRetentionMs = 35 * 24 * HOUR_MS) {
    this.insertMinute = db.prepare(`INSERT OR REPLACE INTO history_minute (minute_ms, grid_w, pv_w, home_w, battery_w, chargers_w, samples)
      VALUES (@atMs, @gridW, @pvW, @homeW, @batteryW, @chargersW, @samples)`);
    // Running mean per field over the minutes seen in the hour; a null minute leaves the field's mean as it was.
    this.upsertHour = db.prepare(`INSERT INTO history_hour (hour_ms, grid_w, pv_w, home_w, battery_w, chargers_w, minutes)
      VALUES (@hourMs, @gridW, @pvW, @homeW, @batteryW, @chargersW, 1)
      ON CONFLICT (hour_ms) DO UPDATE SET
        grid_w = COALESCE((COALESCE(grid_w, @gridW) * minutes + COALESCE(@gridW, grid_w)) / (minutes + 1), grid_w),
        pv_w = COALESCE((COALESCE(pv_w, @pvW) * minutes + COALESCE(@pvW, pv_w)) / (minutes + 1), pv_w),
        home_w = COALESCE((COALESCE(home_w, @homeW) * minutes + COALESCE(@homeW, home_w)) / (minutes + 1), home_w),
        battery_w = COALESCE((COALESCE(battery_w, @batteryW) * minutes + COALESCE(@batteryW, battery_w)) / (minutes + 1), battery_w),
        chargers_w = (chargers_w * minutes + @chargersW) / (minutes + 1),
        minutes = minutes + 1`);
    this.prune = db.prepare('DELETE FROM history_minute WHERE minute_ms < ?');
  }

  /** Adds one sample; writes the previous minute when `atMs` starts a new one. */
  add(atMs: number, sample: PowerSample): void {
    const minuteMs = Math.floor(atMs / MINUTE_MS) * MINUTE_MS;
    if (this.minuteMs !== undefined && minuteMs !== this.minuteMs) this.flush();
    this.minuteMs = minuteMs;
    for (const field of FIELDS) {
      const value = sample[field];
      if (value !== null && Number.isFinite(value)) {
        this.sums[field].sum += value;
        this.sums[field].count += 1;
      }
    }
    this.sums.samples += 1;
    if (atMs - this.lastPruneMs > HOUR_MS) {
      this.lastPruneMs = atMs;
      this.prune.run(atMs - this.minuteRetentionMs);
    }
  }

  /** Writes the minute in progress (on shutdown). */
  flush(): void {
    if (this.minuteMs === undefined || this.sums.samples === 0) return;
    const mean = (field: (typeof FIELDS)[number]): number | null =>
      this.sums[field].count === 0 ? null : this.sums[field].sum / this.sums[field].count;
    const row = { gridW: mean('gridW'), pvW: mean('pvW'), homeW: mean('homeW'), batteryW: mean('batteryW'), chargersW: mean('chargersW') ?? 0 };
    const minuteMs = this.minuteMs;
    this.db.transaction(() => {
      this.insertMinute.run({ atMs: minuteMs, ...row, samples: this.sums.samples });
      this.upsertHour.run({ hourMs: Math.floor(minuteMs / HOUR_MS) * HOUR_MS, ...row });
    })();
    this.sums = emptySums();
  }

  /**
   * Averages in [fromMs, toMs), oldest first. Days are UTC days built from the hourly rows, each hour weighted by its
   * minutes of data, so that a day's `minutes` and averages give its energy.
   */
  range(fromMs: number, toMs: number, resolution: HistoryResolution): HistoryPoint[] {
    const columns = 'grid_w AS gridW, pv_w AS pvW, home_w AS homeW, battery_w AS batteryW, chargers_w AS chargersW';
    const weighted = (column: string, name: string): string =>
      `SUM(${column} * minutes) / NULLIF(SUM(CASE WHEN ${column} IS NULL THEN 0 ELSE minutes END), 0) AS ${name}`;
    const sql = resolution === 'minute'
      ? `SELECT minute_ms AS atMs, ${columns}, 1 AS minutes FROM history_minute WHERE minute_ms >= ? AND minute_ms < ? ORDER BY minute_ms`
      : resolution === 'hour'
        ? `SELECT hour_ms AS atMs, ${columns}, minutes FROM history_hour WHERE hour_ms >= ? AND hour_ms < ? ORDER BY hour_ms`
        : `SELECT (hour_ms / 86400000) * 86400000 AS atMs, ${weighted('grid_w', 'gridW')}, ${weighted('pv_w', 'pvW')},
             ${weighted('home_w', 'homeW')}, ${weighted('battery_w', 'batteryW')}, ${weighted('chargers_w', 'chargersW')},
             SUM(minutes) AS minutes
           FROM history_hour WHERE hour_ms >= ? AND hour_ms < ? GROUP BY hour_ms / 86400000 ORDER BY atMs`;
    return this.db.prepare(sql).all(fromMs, toMs) as HistoryPoint[];
  }
}

function emptySums(): Record<(typeof FIELDS)[number], { sum: number; count: number }> & { samples: number } {
  return {
    gridW: { sum: 0, count: 0 }, pvW: { sum: 0, count: 0 }, homeW: { sum: 0, count: 0 },
    batteryW: { sum: 0, count: 0 }, chargersW: { sum: 0, count: 0 }, samples: 0,
  };
}
