/**
 * What a 2.0.1 station does with the charging profiles it is sent, for the test charge point: keeps them by id
 * (a new one with the same id replaces it), clears them by id or criteria, and works out the limit in force at a
 * moment the way the spec's stacking rules say (K01): per purpose, among profiles that are valid then and whose
 * schedule runs then, the highest stack level wins (an EVSE-specific one before an evseId 0 one of the same level);
 * TxProfile overrides TxDefaultProfile; ChargingStationMaxProfile caps the result. Written for the tests, from the
 * spec, not from Sunplug's code.
 */

export interface StoredProfile {
  evseId: number;
  id: number;
  stackLevel: number;
  purpose: string;
  validFromMs?: number;
  validToMs?: number;
  startMs: number;
  durationS?: number;
  unit: string;
  periods: Array<{ startPeriod: number; limit: number }>;
}

export interface LimitInForce {
  limit: number;
  unit: string;
  profileId: number;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? { ...value } : {};
}

export function storedProfileOf(payload: Record<string, unknown>, receivedAtMs: number): StoredProfile | undefined {
  const profile = record(payload.chargingProfile);
  const schedules = Array.isArray(profile.chargingSchedule) ? profile.chargingSchedule : [];
  const schedule = record(schedules[0]);
  const periods = (Array.isArray(schedule.chargingSchedulePeriod) ? schedule.chargingSchedulePeriod : [])
    .map((p) => record(p)).map((p) => ({ startPeriod: Number(p.startPeriod), limit: Number(p.limit) }));
  if (typeof profile.id !== 'number' || periods.length === 0) return undefined;
  const time = (value: unknown): number | undefined => (typeof value === 'string' ? Date.parse(value) : undefined);
  const stored: StoredProfile = {
    evseId: Number(payload.evseId), id: profile.id, stackLevel: Number(profile.stackLevel), purpose: String(profile.chargingProfilePurpose),
    startMs: time(schedule.startSchedule) ?? receivedAtMs, unit: String(schedule.chargingRateUnit), periods,
  };
  const validFromMs = time(profile.validFrom);
  const validToMs = time(profile.validTo);
  if (validFromMs !== undefined) stored.validFromMs = validFromMs;
  if (validToMs !== undefined) stored.validToMs = validToMs;
  if (typeof schedule.duration === 'number') stored.durationS = schedule.duration;
  return stored;
}

export class ProfileStore201 {
  readonly profiles = new Map<number, StoredProfile>();

  set(profile: StoredProfile): void {
    this.profiles.set(profile.id, profile);
  }

  /** ClearChargingProfile: true when something was removed (Accepted), false otherwise (Unknown). */
  clear(payload: Record<string, unknown>): boolean {
    const before = this.profiles.size;
    if (typeof payload.chargingProfileId === 'number') {
      this.profiles.delete(payload.chargingProfileId);
    } else {
      const criteria = record(payload.chargingProfileCriteria);
      for (const [id, profile] of this.profiles) {
        if (criteria.evseId !== undefined && criteria.evseId !== profile.evseId) continue;
        if (criteria.chargingProfilePurpose !== undefined && criteria.chargingProfilePurpose !== profile.purpose) continue;
        if (criteria.stackLevel !== undefined && criteria.stackLevel !== profile.stackLevel) continue;
        this.profiles.delete(id);
      }
    }
    return this.profiles.size < before;
  }

  /** The limit in force on `evseId` at `atMs`; undefined when no profile applies. */
  limitAt(evseId: number, atMs: number): LimitInForce | undefined {
    const running = (p: StoredProfile): boolean => {
      if (p.evseId !== evseId && p.evseId !== 0) return false;
      if (p.validFromMs !== undefined && atMs < p.validFromMs) return false;
      if (p.validToMs !== undefined && atMs >= p.validToMs) return false;
      if (atMs < p.startMs) return false;
      return p.durationS === undefined || atMs < p.startMs + p.durationS * 1000;
    };
    const winner = (purpose: string): StoredProfile | undefined => [...this.profiles.values()]
      .filter((p) => p.purpose === purpose && running(p))
      .sort((a, b) => b.stackLevel - a.stackLevel || (b.evseId === evseId ? 1 : 0) - (a.evseId === evseId ? 1 : 0))[0];
    const limitOf = (p: StoredProfile): LimitInForce => {
      const elapsedS = (atMs - p.startMs) / 1000;
      const period = [...p.periods].reverse().find((q) => q.startPeriod <= elapsedS) ?? p.periods[0]!;
      return { limit: period.limit, unit: p.unit, profileId: p.id };
    };
    const tx = winner('TxProfile') ?? winner('TxDefaultProfile');
    const max = winner('ChargingStationMaxProfile');
    if (tx === undefined) return max !== undefined ? limitOf(max) : undefined;
    const txLimit = limitOf(tx);
    if (max === undefined) return txLimit;
    const maxLimit = limitOf(max);
    return maxLimit.unit === txLimit.unit && maxLimit.limit < txLimit.limit ? maxLimit : txLimit;
  }
}
