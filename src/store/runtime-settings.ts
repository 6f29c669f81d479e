import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { z } from 'zod';
import { CHARGE_MODES, type ChargeMode } from '../domain/charger-state.ts';
import type { Logger } from '../platform/logger.ts';
import { settingsOverridesSchema, type SettingsOverrides } from './site-settings.ts';

/**
 * Settings a person changes while Sunplug runs (charge modes, approved chargers with their password hashes; tariffs and
 * RFID cards join later),
 * kept in `settings.json` in the data directory and written atomically (lowdb writes a temp file and renames it).
 * The installation config file is never rewritten.
 */
const runtimeSettingsSchema = z.strictObject({
  version: z.literal(1),
  chargers: z.record(z.string(), z.strictObject({
    mode: z.enum(CHARGE_MODES).optional(),
    /** When the homeowner approved this charger (admission; see src/chargers/admission). */
    approvedAtMs: z.number().int().min(0).optional(),
    /** Salted scrypt hash of its OCPP Basic-auth password; the password itself is never stored. */
    passwordHash: z.string().min(1).max(512).optional(),
    /** The homeowner's charging plan (plan mode): energy to add or a target SoC by a departure time. */
    plan: z.strictObject({
      departureAtMs: z.number().int(),
      energyWh: z.number().min(0).optional(),
      socPercent: z.number().min(0).max(100).optional(),
      setAtMs: z.number().int(),
    }).optional(),
  })),
  /** Site, tariff, charger and meter settings on top of the config file (store/site-settings.ts). */
  overrides: settingsOverridesSchema.optional(),
});

export type RuntimeSettingsData = z.output<typeof runtimeSettingsSchema>;
export type ChargerPlanSetting = NonNullable<RuntimeSettingsData['chargers'][string]['plan']>;

/** Checks a settings document (e.g. from a backup); the issues name the path of each problem. */
export function parseRuntimeSettings(value: unknown): ReturnType<typeof runtimeSettingsSchema.safeParse> {
  return runtimeSettingsSchema.safeParse(value);
}

const EMPTY: RuntimeSettingsData = { version: 1, chargers: {} };

export class RuntimeSettings {
  private constructor(private readonly db: Low<RuntimeSettingsData>) {}

  /**
   * Opens the settings file. A file that cannot be read as settings is moved aside (kept, never deleted) and
   * Sunplug starts from the installation config, logging where the old file went.
   */
  static async open(dataDir: string, logger: Logger, nowMs: number): Promise<RuntimeSettings> {
    const file = join(dataDir, 'settings.json');
    const adapter = new DataFile<RuntimeSettingsData>(file, {
      parse: (text) => runtimeSettingsSchema.parse(JSON.parse(text)),
      stringify: (data) => `${JSON.stringify(data, null, 2)}\n`,
    });
    const db = new Low(adapter, structuredClone(EMPTY));
    try {
      await db.read();
    } catch (error) {
      const aside = `${file}.unreadable-${nowMs}`;
      await rename(file, aside);
      logger.error({ file, movedTo: aside, err: error instanceof Error ? error.message : String(error) },
        'settings file unreadable: moved aside, starting from the installation config');
      db.data = structuredClone(EMPTY);
    }
    return new RuntimeSettings(db);
  }

  chargerMode(chargerId: string): ChargeMode | undefined {
    return this.db.data.chargers[chargerId]?.mode;
  }

  /** Approved chargers (the OCPP admission's ApprovalStore). */
  approvals(): ReadonlyMap<string, { approvedAtMs: number; passwordHash?: string }> {
    const approved = new Map<string, { approvedAtMs: number; passwordHash?: string }>();
    for (const [id, entry] of Object.entries(this.db.data.chargers)) {
      if (entry.approvedAtMs === undefined) continue;
      approved.set(id, entry.passwordHash !== undefined ? { approvedAtMs: entry.approvedAtMs, passwordHash: entry.passwordHash } : { approvedAtMs: entry.approvedAtMs });
    }
    return approved;
  }

  async saveApproval(chargerId: string, record: { approvedAtMs: number; passwordHash?: string }): Promise<void> {
    const { passwordHash: _replaced, ...rest } = this.db.data.chargers[chargerId] ?? {};
    this.db.data.chargers[chargerId] = { ...rest, approvedAtMs: record.approvedAtMs, ...(record.passwordHash !== undefined ? { passwordHash: record.passwordHash } : {}) };
    await this.db.write();
  }

  overrides(): SettingsOverrides {
    return this.db.data.overrides ?? {};
  }

  async saveOverrides(overrides: SettingsOverrides): Promise<void> {
    await this.replace({ ...this.db.data, overrides });
  }

  /** A copy of the whole document (backup). */
  snapshot(): RuntimeSettingsData {
    return structuredClone(this.db.data);
  }

  /** Replaces the whole document at once (restore); `data` must come from parseRuntimeSettings. */
  async replace(data: RuntimeSettingsData): Promise<void> {
    const previous = this.db.data;
    this.db.data = structuredClone(data);
    try {
      await this.db.write();
    } catch (error) {
      this.db.data = previous;
      throw error;
    }
  }

  chargerPlan(chargerId: string): ChargerPlanSetting | undefined {
    return this.db.data.chargers[chargerId]?.plan;
  }

  /** Sets the charger's plan, or clears it with `undefined`. */
  async setChargerPlan(chargerId: string, plan: ChargerPlanSetting | undefined): Promise<void> {
    const { plan: _replaced, ...rest } = this.db.data.chargers[chargerId] ?? {};
    this.db.data.chargers[chargerId] = plan === undefined ? rest : { ...rest, plan };
    await this.db.write();
  }

  async setChargerMode(chargerId: string, mode: ChargeMode): Promise<void> {
    this.db.data.chargers[chargerId] = { ...this.db.data.chargers[chargerId], mode };
    await this.db.write();
  }
}
