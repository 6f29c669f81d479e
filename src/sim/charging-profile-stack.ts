import type { ChargingProfile, ChargingProfilePurpose } from '../chargers/ocpp16/charging-profile.ts';
import { parseIsoTime } from '../chargers/ocpp16/messages.ts';

/**
 * SIMULATOR: the charging-profile store of an OCPP 1.6 charge point, with the spec's stacking rules (§3.13):
 * - TxProfile (only during a transaction) beats TxDefaultProfile; a TxDefaultProfile on the connector beats one on
 *   connector 0; within a purpose the highest stack level that is valid at that moment wins;
 * - ChargePointMaxProfile (connector 0 only) caps the result;
 * - validFrom/validTo and the schedule's duration bound a profile in time; outside them the next one down applies;
 * - a profile with the same id, or the same connector, purpose and stack level, replaces the stored one.
 */

export interface ProfileStackOptions {
  maxStackLevel: number;
  maxProfiles: number;
  numberOfConnectors: number;
  /** Phases the charger has; also the default numberPhases for turning a W limit into A. */
  chargerPhases: number;
  voltageV: number;
}

export interface TransactionContext {
  id: number;
  startedAtMs: number;
}

/** The effective limit on a connector at one moment, in A per phase. */
export interface EffectiveLimit {
  currentA: number;
  /** numberPhases of the winning schedule period, when it said. */
  numberPhases?: number;
}

interface StoredProfile {
  connectorId: number;
  profile: ChargingProfile;
  installedAtMs: number;
}

/** One period of a composite schedule (GetCompositeSchedule.conf), seconds from the schedule start. */
export interface CompositePeriod {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
}

export interface ClearCriteria {
  id?: number;
  connectorId?: number;
  purpose?: ChargingProfilePurpose;
  stackLevel?: number;
}

const DAY_MS = 86_400_000;

export class ChargingProfileStack {
  private profiles: StoredProfile[] = [];

  constructor(private readonly options: ProfileStackOptions) {}

  /** Returns the 1.6 SetChargingProfile status and a reason when it is refused. */
  install(connectorId: number, profile: ChargingProfile, atMs: number, transaction?: TransactionContext): { status: 'Accepted' | 'Rejected'; why?: string } {
    const purpose = profile.chargingProfilePurpose;
    if (connectorId > this.options.numberOfConnectors) return { status: 'Rejected', why: 'no such connector' };
    if (purpose === 'ChargePointMaxProfile' && connectorId !== 0) return { status: 'Rejected', why: 'ChargePointMaxProfile needs connector 0' };
    if (purpose === 'TxProfile') {
      if (connectorId === 0 || transaction === undefined) return { status: 'Rejected', why: 'TxProfile needs a running transaction' };
      if (profile.transactionId !== undefined && profile.transactionId !== transaction.id) return { status: 'Rejected', why: 'transactionId does not match' };
    }
    if (profile.stackLevel > this.options.maxStackLevel) return { status: 'Rejected', why: 'stackLevel above ChargeProfileMaxStackLevel' };
    const kept = this.profiles.filter((stored) => stored.profile.chargingProfileId !== profile.chargingProfileId &&
      !(stored.connectorId === connectorId && stored.profile.chargingProfilePurpose === purpose && stored.profile.stackLevel === profile.stackLevel));
    if (kept.length >= this.options.maxProfiles) return { status: 'Rejected', why: 'MaxChargingProfilesInstalled reached' };
    this.profiles = [...kept, { connectorId, profile, installedAtMs: atMs }];
    return { status: 'Accepted' };
  }

  /** ClearChargingProfile: true when something was removed (Accepted), false otherwise (Unknown). */
  clear(criteria: ClearCriteria): boolean {
    const before = this.profiles.length;
    this.profiles = this.profiles.filter((stored) => !matches(stored, criteria));
    return this.profiles.length < before;
  }

  /** TxProfiles end with their transaction (spec §3.13.3). */
  removeTxProfiles(connectorId: number): void {
    this.clear({ connectorId, purpose: 'TxProfile' });
  }

  get size(): number {
    return this.profiles.length;
  }

  /** The limit the profiles impose on `connectorId` at `atMs`; undefined when none applies (hardware maximum). */
  limitAt(connectorId: number, atMs: number, transaction?: TransactionContext): EffectiveLimit | undefined {
    const txLimit = (transaction !== undefined ? this.winner('TxProfile', connectorId, atMs, transaction) : undefined)
      ?? this.winner('TxDefaultProfile', connectorId, atMs, transaction)
      ?? this.winner('TxDefaultProfile', 0, atMs, transaction);
    const cap = this.winner('ChargePointMaxProfile', 0, atMs, transaction);
    if (txLimit === undefined) return cap;
    if (cap === undefined || txLimit.currentA <= cap.currentA) return txLimit;
    return { ...txLimit, currentA: cap.currentA };
  }

  /**
   * The limits on `connectorId` from `fromMs` for `durationS`, as periods in `unit` (W = A x phases x voltage), capped
   * by the hardware maximum `maxCurrentA` and rounded down to 0.1.
   */
  compositeSchedule(connectorId: number, fromMs: number, durationS: number, unit: 'A' | 'W', maxCurrentA: number, transaction?: TransactionContext): CompositePeriod[] {
    const periods: CompositePeriod[] = [];
    for (const atMs of this.changePoints(fromMs, fromMs + durationS * 1000, transaction)) {
      const limit = this.limitAt(connectorId, atMs, transaction);
      const currentA = Math.min(maxCurrentA, limit?.currentA ?? Infinity);
      const phases = limit?.numberPhases ?? this.options.chargerPhases;
      const value = unit === 'W' ? currentA * phases * this.options.voltageV : currentA;
      const rounded = Math.floor(value * 10 + 1e-9) / 10;
      const last = periods[periods.length - 1];
      if (last !== undefined && last.limit === rounded && last.numberPhases === limit?.numberPhases) continue;
      const startPeriod = Math.ceil((atMs - fromMs) / 1000);
      periods.push(limit?.numberPhases !== undefined ? { startPeriod, limit: rounded, numberPhases: limit.numberPhases } : { startPeriod, limit: rounded });
    }
    return periods;
  }

  /** Moments in [fromMs, toMs) where some profile's limit may change. */
  private changePoints(fromMs: number, toMs: number, transaction?: TransactionContext): number[] {
    const points = new Set<number>([fromMs]);
    for (const stored of this.profiles) {
      const { profile } = stored;
      for (const bound of [parseIsoTime(profile.validFrom), parseIsoTime(profile.validTo)]) if (bound !== undefined) points.add(bound);
      const startMs = scheduleStartMs(stored, fromMs, transaction);
      if (startMs === undefined) continue;
      const starts = profile.chargingProfileKind === 'Recurring' ? [startMs, startMs + recurrenceMs(profile)] : [startMs];
      for (const startOfDay of starts) {
        for (const period of profile.chargingSchedule.chargingSchedulePeriod) points.add(startOfDay + period.startPeriod * 1000);
        const duration = profile.chargingSchedule.duration;
        if (duration !== undefined) points.add(startOfDay + duration * 1000);
      }
    }
    return [...points].filter((t) => t >= fromMs && t < toMs).sort((a, b) => a - b);
  }

  private winner(purpose: ChargingProfilePurpose, connectorId: number, atMs: number, transaction?: TransactionContext): EffectiveLimit | undefined {
    const candidates = this.profiles
      .filter((stored) => stored.connectorId === connectorId && stored.profile.chargingProfilePurpose === purpose)
      .filter((stored) => purpose !== 'TxProfile' || stored.profile.transactionId === undefined || stored.profile.transactionId === transaction?.id)
      .sort((a, b) => b.profile.stackLevel - a.profile.stackLevel);
    for (const stored of candidates) {
      const limit = this.limitOf(stored, atMs, transaction);
      if (limit !== undefined) return limit;
    }
    return undefined;
  }

  private limitOf(stored: StoredProfile, atMs: number, transaction?: TransactionContext): EffectiveLimit | undefined {
    const { profile } = stored;
    const validFrom = parseIsoTime(profile.validFrom);
    const validTo = parseIsoTime(profile.validTo);
    if ((validFrom !== undefined && atMs < validFrom) || (validTo !== undefined && atMs >= validTo)) return undefined;
    const startMs = scheduleStartMs(stored, atMs, transaction);
    if (startMs === undefined || atMs < startMs) return undefined;
    const elapsedS = (atMs - startMs) / 1000;
    const schedule = profile.chargingSchedule;
    if (schedule.duration !== undefined && elapsedS >= schedule.duration) return undefined;
    const period = [...schedule.chargingSchedulePeriod]
      .sort((a, b) => a.startPeriod - b.startPeriod)
      .filter((p) => p.startPeriod <= elapsedS)
      .pop();
    if (period === undefined) return undefined;
    const phases = period.numberPhases ?? this.options.chargerPhases;
    const currentA = schedule.chargingRateUnit === 'A' ? period.limit : period.limit / (phases * this.options.voltageV);
    return period.numberPhases !== undefined ? { currentA, numberPhases: period.numberPhases } : { currentA };
  }
}

/** Where the schedule's second 0 lies for the recurrence that covers `atMs`. */
function scheduleStartMs(stored: StoredProfile, atMs: number, transaction?: TransactionContext): number | undefined {
  const { profile } = stored;
  const schedule = profile.chargingSchedule;
  if (profile.chargingProfileKind === 'Relative') return transaction?.startedAtMs;
  // An Absolute profile without startSchedule starts when it arrived (what chargers do in practice).
  const startMs = parseIsoTime(schedule.startSchedule) ?? stored.installedAtMs;
  if (profile.chargingProfileKind === 'Absolute') return startMs;
  const periodMs = recurrenceMs(profile);
  return atMs < startMs ? startMs : startMs + Math.floor((atMs - startMs) / periodMs) * periodMs;
}

function recurrenceMs(profile: ChargingProfile): number {
  return profile.recurrencyKind === 'Weekly' ? 7 * DAY_MS : DAY_MS;
}

function matches(stored: StoredProfile, criteria: ClearCriteria): boolean {
  if (criteria.id !== undefined) return stored.profile.chargingProfileId === criteria.id;
  if (criteria.connectorId !== undefined && stored.connectorId !== criteria.connectorId) return false;
  if (criteria.purpose !== undefined && stored.profile.chargingProfilePurpose !== criteria.purpose) return false;
  if (criteria.stackLevel !== undefined && stored.profile.stackLevel !== criteria.stackLevel) return false;
  return true;
}
