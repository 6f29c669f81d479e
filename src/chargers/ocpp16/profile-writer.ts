import { roundDownToTenth, type ChargeLimit } from '../../domain/charge-limit.ts';
import { powerForCurrentW } from '../../domain/electrical.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ApplyResult } from '../charger-adapter.ts';
import type { LimitCompliance } from '../limit-compliance.ts';
import { describeCallFailure, type OcppConnection } from '../ocpp-rpc-types.ts';
import type { SmartChargingQuirk } from '../quirks/charger-quirks.ts';
import type { WriteBudget, WriteBudgetReport } from '../write-budget.ts';
import { chooseRateUnit, type Ocpp16Capabilities } from './charger-configuration.ts';
import { chargingProfileRequest, type ChargingProfileInput, type SetChargingProfileRequest } from './charging-profile.ts';
import { compositeScheduleResponseSchema, statusResponseSchema } from './messages.ts';

/**
 * How Sunplug writes charging profiles to a 1.6 charger.
 *
 * Fail-safe mode (a safe current is configured; DESIGN.md safety model 3):
 * - After each boot, Sunplug clears its own dynamic profiles (by their fixed ids) so that a stale one from a run that
 *   ended cannot hold the charger, then writes the SAFE DEFAULT: TxDefaultProfile, stack level 0, the site's safe
 *   current, open-ended, connector 0 first (then the connector; quirks may reverse the order).
 * - Every limit goes above it as the DYNAMIC profile, which ends by itself `profileExpiryS` after it was written
 *   (validTo, and a schedule duration for chargers that only look at the schedule). Sunplug renews it at two thirds
 *   of its life. If Sunplug stops, the charger drops to the safe default on its own.
 * - Where the dynamic profile cannot sit above the safe default (a charger that honours stack level 0 only, with
 *   both on the same connector, or no safe default accepted at all), the dynamic profile carries its own fall-back:
 *   a second schedule period at the safe current from the expiry on (the "tail").
 * - A refused profile is retried elsewhere: TxDefaultProfile on the connector, then on connector 0 (only when the
 *   safe default also sits on 0: a connector-specific default would mask it), then a TxProfile for the running
 *   transaction. The placement that worked is tried first next time.
 *
 * Plain mode (no safe current): one open-ended TxDefaultProfile on the connector, as before fail-safe existed;
 * nothing is cleared or renewed. It serves adapters built without site settings.
 *
 * Every accepted write is counted against the charger's daily write budget; safety reductions and pauses go out even
 * when it is spent (DESIGN.md safety model 4). All writes, renewals and the boot set-up run one at a time.
 */

export const SAFE_DEFAULT_PROFILE_ID = 1000;
export const TX_PROFILE_ID = 1002;
/** Sunplug's own stack level for the safe default: below everything, so any other limit overrides it. */
const SAFE_STACK_LEVEL = 0;
/** Schedules start a minute in the past so that a charger clock slightly ahead does not delay them. */
const START_LEAD_MS = 60_000;
/** The safe default starts a day in the past: it must hold even on a charger whose clock is well ahead. */
const SAFE_START_LEAD_MS = 86_400_000;
/** After a limit was refused everywhere, the same limit is not offered again for this long, ms. */
const REFUSAL_BACKOFF_MS = 60_000;
/** A renewal that failed on the transport is tried again after at most this long, ms. */
const RENEWAL_RETRY_MS = 30_000;

type Purpose = 'TxDefaultProfile' | 'TxProfile';

interface Placement {
  purpose: Purpose;
  connectorId: number;
}

/** What the adapter knows about the charger when a profile is written. */
export interface ChargerFacts {
  capabilities: Ocpp16Capabilities;
  quirk?: SmartChargingQuirk;
  /** The running transaction on our connector (for a TxProfile). */
  transactionId?: number;
}

export interface ProfileWriterOptions {
  clock: Clock;
  logger: Logger;
  connectorId: number;
  voltageV: number;
  /** Phases the charger is wired for: turns the safe current into watts for W-only chargers. */
  phases: 1 | 3;
  /** Fixed id of the dynamic TxDefaultProfile. */
  chargingProfileId: number;
  /** Preferred stack level of the dynamic profile, capped by the charger. */
  stackLevel: number;
  /** The site's safe current per phase, A; undefined = plain mode. */
  safeCurrentA?: number;
  /** Lifetime of the dynamic profile, s (fail-safe mode). */
  profileExpiryS: number;
  budget: WriteBudget;
  compliance: LimitCompliance;
  /** Ask for the composite schedule after each new limit (fail-safe mode). */
  verifyWithCompositeSchedule: boolean;
  facts: () => ChargerFacts;
}

interface Target {
  currentA: number;
  phases: 1 | 3;
  unit: 'A' | 'W';
  value: number;
  key: string;
}

interface WrittenProfile {
  placement: Placement;
  stackLevel: number;
  target: Target;
  acceptedAtMs: number;
  /** When the charger drops it (fail-safe mode), ms. */
  expiresAtMs?: number;
  fallback: 'validTo' | 'tail' | 'none';
}

export interface SafeDefaultReport {
  status: 'installed' | 'refused' | 'unsupported' | 'pending';
  connectorId?: number;
  limit?: number;
  unit?: 'A' | 'W';
  detail?: string;
}

export interface DynamicProfileReport {
  purpose: Purpose;
  connectorId: number;
  stackLevel: number;
  limit: number;
  unit: 'A' | 'W';
  /** A per phase. */
  currentA: number;
  acceptedAtMs: number;
  expiresAtMs?: number;
  renewAtMs?: number;
  /** How the charger gets back to the safe current by itself. */
  fallback: 'validTo' | 'tail' | 'none';
}

export interface ProfileReport {
  mode: 'fail-safe' | 'plain';
  safeCurrentA?: number;
  profileExpiryS?: number;
  safeDefault?: SafeDefaultReport;
  dynamic?: DynamicProfileReport;
  budget: WriteBudgetReport;
}

type SendOutcome =
  | { kind: 'accepted' }
  | { kind: 'refused'; detail: string }
  | { kind: 'failed'; outcome: 'failed' | 'offline'; detail: string };

export class ProfileWriter {
  private connection: OcppConnection | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private safe: { placement: Placement; unit: 'A' | 'W'; value: number } | undefined;
  private safeStatus: SafeDefaultReport = { status: 'pending' };
  private dynamic: WrittenProfile | undefined;
  /** Unit, value and phases of the last dynamic profile the charger accepted on this connection. */
  private lastAcceptedKey: string | undefined;
  private preferred: Placement | undefined;
  private refused: { key: string; untilMs: number; detail: string } | undefined;
  private renewal: AbortController | undefined;
  private renewAtMs: number | undefined;
  /**
   * The last limit asked for on this connection, whatever became of it. The boot set-up clears our dynamic profile,
   * so a limit that arrived before (or a reboot that came after) it is written again once the safe default is in.
   */
  private requested: ChargeLimit | undefined;

  constructor(private readonly options: ProfileWriterOptions) {}

  get failSafe(): boolean {
    return this.options.safeCurrentA !== undefined;
  }

  /** A new socket: nothing is known about what the charger holds (a reboot may have lost a profile). */
  attach(connection: OcppConnection): void {
    this.connection = connection;
    this.requested = undefined; // the control loop writes afresh to a new connection
    this.forget();
  }

  detach(connection: OcppConnection): void {
    if (connection !== this.connection) return;
    this.connection = undefined;
    this.forget();
  }

  /** After a boot: our profiles must be rewritten (and in fail-safe mode, the stale ones cleared). */
  rebooted(): void {
    this.forget();
  }

  /** Fail-safe mode: clears Sunplug's stale profiles and writes the safe default. Plain mode: nothing. */
  install(): Promise<void> {
    return this.enqueue(() => this.installNow());
  }

  write(limit: ChargeLimit): Promise<ApplyResult> {
    this.requested = limit;
    return this.enqueue(() => this.writeNow(limit));
  }

  report(): ProfileReport {
    const nowMs = this.options.clock.nowMs();
    const { safeCurrentA } = this.options;
    const report: ProfileReport = { mode: this.failSafe ? 'fail-safe' : 'plain', budget: this.options.budget.report(nowMs) };
    if (safeCurrentA !== undefined) {
      report.safeCurrentA = safeCurrentA;
      report.profileExpiryS = this.expiryS();
      report.safeDefault = { ...this.safeStatus };
    }
    const dynamic = this.dynamic;
    if (dynamic !== undefined && (dynamic.expiresAtMs === undefined || dynamic.expiresAtMs > nowMs || dynamic.fallback === 'tail')) {
      report.dynamic = {
        purpose: dynamic.placement.purpose, connectorId: dynamic.placement.connectorId, stackLevel: dynamic.stackLevel,
        limit: dynamic.target.value, unit: dynamic.target.unit, currentA: dynamic.target.currentA, acceptedAtMs: dynamic.acceptedAtMs,
        fallback: dynamic.fallback,
        ...(dynamic.expiresAtMs !== undefined ? { expiresAtMs: dynamic.expiresAtMs } : {}),
        ...(this.renewAtMs !== undefined ? { renewAtMs: this.renewAtMs } : {}),
      };
    }
    return report;
  }

  private forget(): void {
    this.renewal?.abort();
    this.renewal = undefined;
    this.renewAtMs = undefined;
    this.lastAcceptedKey = undefined;
    this.dynamic = undefined;
    this.refused = undefined;
    this.safe = undefined;
    this.safeStatus = { status: 'pending' };
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async installNow(): Promise<void> {
    const connection = this.connection;
    const safeCurrentA = this.options.safeCurrentA;
    if (connection === undefined || safeCurrentA === undefined) return;
    const { logger, clock } = this.options;
    // Our own ids only: profiles of others (a cloud backend, the installer) are not ours to remove.
    for (const id of [this.options.chargingProfileId, TX_PROFILE_ID]) await this.clearProfile(connection, id);
    this.dynamic = undefined;
    this.lastAcceptedKey = undefined;
    const facts = this.options.facts();
    if (facts.quirk?.purposes !== undefined && !facts.quirk.purposes.includes('TxDefaultProfile')) {
      this.safeStatus = { status: 'unsupported', detail: 'the charger takes no TxDefaultProfile (quirks table)' };
      logger.warn('ocpp16: no safe default profile possible; limits carry their own fall-back period');
      await this.restoreRequested();
      return;
    }
    const unit = this.unitOf(facts);
    const value = this.safeValue(unit, facts.quirk);
    const kind = facts.quirk?.profileKind ?? 'Absolute';
    let lastRefusal = 'no connector to try';
    for (const connectorId of this.safeConnectors(facts.quirk)) {
      const placement: Placement = { purpose: 'TxDefaultProfile', connectorId };
      const request = chargingProfileRequest({
        connectorId, chargingProfileId: SAFE_DEFAULT_PROFILE_ID, stackLevel: SAFE_STACK_LEVEL, purpose: 'TxDefaultProfile',
        kind, startScheduleMs: clock.nowMs() - SAFE_START_LEAD_MS, unit, limit: value,
      });
      const outcome = await this.send(connection, request);
      if (outcome.kind === 'accepted') {
        const nowMs = clock.nowMs();
        this.safe = { placement, unit, value };
        this.safeStatus = { status: 'installed', connectorId, limit: value, unit };
        this.options.budget.record(nowMs);
        this.options.compliance.expect(safeCurrentA, nowMs);
        logger.info({ connectorId, limit: value, unit }, 'ocpp16: safe default profile installed');
        await this.restoreRequested();
        return;
      }
      if (outcome.kind === 'failed') {
        this.safeStatus = { status: 'pending', detail: outcome.detail };
        logger.warn({ detail: outcome.detail }, 'ocpp16: safe default profile not written');
        return;
      }
      lastRefusal = outcome.detail;
    }
    this.safeStatus = { status: 'refused', detail: lastRefusal };
    logger.warn({ detail: lastRefusal }, 'ocpp16: safe default profile refused on every connector; limits carry their own fall-back period');
    await this.restoreRequested();
  }

  /** Writes the last requested limit again after the set-up cleared it (runs inside the queue). */
  private async restoreRequested(): Promise<void> {
    const limit = this.requested;
    if (limit === undefined) return;
    const result = await this.writeNow(limit);
    this.options.logger.debug({ currentA: limit.currentA, outcome: result.outcome }, 'ocpp16: limit restored after the profile set-up');
  }

  private async writeNow(limit: ChargeLimit): Promise<ApplyResult> {
    const connection = this.connection;
    if (connection === undefined) return { outcome: 'offline', detail: 'not connected' };
    const { clock, budget } = this.options;
    const facts = this.options.facts();
    const target = this.targetOf(limit.currentA, limit.phases, facts);
    if (target.key === this.lastAcceptedKey) return { outcome: 'unchanged' };
    const nowMs = clock.nowMs();
    if (this.refused !== undefined && this.refused.key === target.key && nowMs < this.refused.untilMs) {
      return { outcome: 'rejected', detail: `${this.refused.detail} (not offered again for ${Math.ceil((this.refused.untilMs - nowMs) / 1000)} s)` };
    }
    if (!this.bypassesBudget(limit, target) && !budget.allows(nowMs)) {
      this.options.logger.info({ currentA: target.currentA, perDay: budget.perDay }, 'ocpp16: write budget spent; limit held');
      return { outcome: 'rejected', detail: `held: the daily budget of ${budget.perDay} profile writes is spent` };
    }
    const result = await this.writeDynamic(connection, target, facts);
    if (result.outcome === 'applied' && this.failSafe && this.options.verifyWithCompositeSchedule) {
      await this.checkCompositeSchedule(connection, target);
    }
    return result;
  }

  /** Sends `target` as the dynamic profile, trying each placement in turn. */
  private async writeDynamic(connection: OcppConnection, target: Target, facts: ChargerFacts): Promise<ApplyResult> {
    const { clock, logger } = this.options;
    let lastRefusal = 'no placement to try';
    for (const placement of this.dynamicPlacements(facts)) {
      const nowMs = clock.nowMs();
      const { request, expiresAtMs, fallback, stackLevel } = this.dynamicRequest(placement, target, facts, nowMs);
      const outcome = await this.send(connection, request);
      if (outcome.kind === 'failed') {
        if (connection === this.connection) this.lastAcceptedKey = undefined;
        return { outcome: connection === this.connection ? outcome.outcome : 'offline', detail: outcome.detail };
      }
      if (outcome.kind === 'refused') {
        lastRefusal = outcome.detail;
        logger.warn({ purpose: placement.purpose, connectorId: placement.connectorId, detail: outcome.detail }, 'ocpp16: charging profile not accepted');
        if (!this.failSafe) return { outcome: 'rejected', detail: outcome.detail };
        continue;
      }
      if (connection !== this.connection) return { outcome: 'offline', detail: 'disconnected' };
      const acceptedAtMs = clock.nowMs();
      this.options.budget.record(acceptedAtMs);
      this.lastAcceptedKey = target.key;
      this.refused = undefined;
      this.preferred = placement;
      this.dynamic = { placement, stackLevel, target, acceptedAtMs, fallback, ...(expiresAtMs !== undefined ? { expiresAtMs } : {}) };
      this.options.compliance.expect(target.currentA, acceptedAtMs);
      this.scheduleRenewal();
      logger.debug({ limit: target.value, unit: target.unit, phases: target.phases, purpose: placement.purpose, connectorId: placement.connectorId }, 'ocpp16: limit applied');
      return { outcome: 'applied', detail: `${target.value} ${target.unit}` };
    }
    if (this.failSafe) this.refused = { key: target.key, untilMs: clock.nowMs() + REFUSAL_BACKOFF_MS, detail: lastRefusal };
    return { outcome: 'rejected', detail: lastRefusal };
  }

  private dynamicRequest(placement: Placement, target: Target, facts: ChargerFacts, nowMs: number): {
    request: SetChargingProfileRequest; expiresAtMs?: number; fallback: WrittenProfile['fallback']; stackLevel: number;
  } {
    const quirk = facts.quirk;
    const stackLevel = this.dynamicStackLevel(facts);
    const input: ChargingProfileInput = {
      connectorId: placement.connectorId,
      chargingProfileId: placement.purpose === 'TxProfile' ? TX_PROFILE_ID : this.options.chargingProfileId,
      stackLevel,
      purpose: placement.purpose,
      ...(placement.purpose === 'TxProfile' && facts.transactionId !== undefined ? { transactionId: facts.transactionId } : {}),
      kind: quirk?.profileKind ?? 'Absolute',
      startScheduleMs: nowMs - START_LEAD_MS,
      unit: target.unit,
      limit: target.value,
      ...(quirk?.numberPhases === 'ignored' ? {} : { numberPhases: target.phases }),
    };
    if (!this.failSafe) return { request: chargingProfileRequest(input), fallback: 'none', stackLevel };
    const expiryS = this.expiryS(facts);
    const expiresAtMs = nowMs + expiryS * 1000;
    if (this.needsTail(placement, stackLevel)) {
      // A Relative schedule counts from the transaction start, which we do not know: the tail needs Absolute time.
      const tailStartS = Math.round((expiresAtMs - (nowMs - START_LEAD_MS)) / 1000);
      const request = chargingProfileRequest({ ...input, kind: 'Absolute', tail: { startPeriodS: tailStartS, limit: this.safeValue(target.unit, quirk) } });
      return { request, expiresAtMs, fallback: 'tail', stackLevel };
    }
    const durationS = input.kind === 'Absolute' ? Math.round((expiresAtMs - input.startScheduleMs) / 1000) : undefined;
    const request = chargingProfileRequest({ ...input, validToMs: expiresAtMs, ...(durationS !== undefined ? { durationS } : {}) });
    return { request, expiresAtMs, fallback: 'validTo', stackLevel };
  }

  /** True when nothing of ours lies beneath this placement to fall back on once the profile expires. */
  private needsTail(placement: Placement, stackLevel: number): boolean {
    const safe = this.safe;
    if (safe === undefined) return true;
    if (placement.purpose === 'TxProfile') return false; // TxProfile beats every TxDefaultProfile; when it ends, the default applies
    // Same purpose, connector and level would replace the safe default instead of stacking above it.
    return placement.connectorId === safe.placement.connectorId && stackLevel <= SAFE_STACK_LEVEL;
  }

  private dynamicPlacements(facts: ChargerFacts): Placement[] {
    const connector = this.options.connectorId;
    const purposes = facts.quirk?.purposes ?? ['TxDefaultProfile', 'TxProfile'];
    if (!this.failSafe) return [{ purpose: 'TxDefaultProfile', connectorId: connector }];
    const placements: Placement[] = [];
    if (purposes.includes('TxDefaultProfile')) {
      const order = facts.quirk?.connector === 'zero' ? [0, connector] : [connector, 0];
      for (const connectorId of order) {
        // A default on the connector itself masks one on connector 0, whatever their stack levels.
        if (connectorId === 0 && this.safe !== undefined && this.safe.placement.connectorId !== 0) continue;
        placements.push({ purpose: 'TxDefaultProfile', connectorId });
      }
    }
    if (purposes.includes('TxProfile') && facts.transactionId !== undefined) placements.push({ purpose: 'TxProfile', connectorId: connector });
    const preferred = this.preferred;
    if (preferred === undefined) return placements;
    // The placement that worked last time goes first; the others stay in order behind it.
    const index = placements.findIndex((p) => p.purpose === preferred.purpose && p.connectorId === preferred.connectorId);
    return index <= 0 ? placements : [placements[index] as Placement, ...placements.slice(0, index), ...placements.slice(index + 1)];
  }

  private safeConnectors(quirk: SmartChargingQuirk | undefined): number[] {
    const connector = this.options.connectorId;
    return quirk?.connector === 'connector' ? [connector, 0] : [0, connector];
  }

  private dynamicStackLevel(facts: ChargerFacts): number {
    const caps = [facts.capabilities.maxStackLevel, facts.quirk?.maxStackLevel].filter((n): n is number => n !== undefined);
    return Math.max(0, Math.min(this.options.stackLevel, ...caps));
  }

  /** Pauses and safety reductions are never held for flash wear. */
  private bypassesBudget(limit: ChargeLimit, target: Target): boolean {
    if (target.currentA === 0) return true;
    const current = this.dynamic?.target.currentA;
    return limit.safety && (current === undefined || target.currentA < current);
  }

  private scheduleRenewal(delayMs?: number): void {
    this.renewal?.abort();
    this.renewal = undefined;
    this.renewAtMs = undefined;
    const dynamic = this.dynamic;
    if (dynamic?.expiresAtMs === undefined) return;
    const { clock } = this.options;
    const lifeMs = dynamic.expiresAtMs - dynamic.acceptedAtMs;
    const waitMs = delayMs ?? Math.floor((lifeMs * 2) / 3);
    const renewal = new AbortController();
    this.renewal = renewal;
    this.renewAtMs = clock.nowMs() + waitMs;
    clock.sleep(waitMs, renewal.signal).then(
      () => this.enqueue(() => this.renew(renewal)),
      () => { /* replaced by a newer write, or the charger went away */ },
    ).catch((error: unknown) => this.options.logger.error({ err: error }, 'ocpp16: profile renewal failed'));
  }

  private async renew(renewal: AbortController): Promise<void> {
    const connection = this.connection;
    const dynamic = this.dynamic;
    if (renewal.signal.aborted || connection === undefined || dynamic === undefined) return;
    const { clock, logger, budget } = this.options;
    const nowMs = clock.nowMs();
    this.renewAtMs = undefined;
    // Letting a limit at or below the safe current lapse would RAISE the current: such renewals are safety writes.
    const safety = dynamic.target.currentA <= (this.options.safeCurrentA ?? 0);
    if (!safety && !budget.allows(nowMs)) {
      logger.warn({ currentA: dynamic.target.currentA, expiresAtMs: dynamic.expiresAtMs }, 'ocpp16: write budget spent; the limit is not renewed and will fall back to the safe current');
      if (dynamic.expiresAtMs !== undefined) this.options.compliance.expect(this.options.safeCurrentA ?? 0, dynamic.expiresAtMs);
      this.lastAcceptedKey = undefined; // so the next limit is written (budget permitting) rather than reported unchanged
      return;
    }
    const result = await this.writeDynamic(connection, dynamic.target, this.options.facts());
    if (result.outcome === 'applied') {
      logger.debug({ currentA: dynamic.target.currentA }, 'ocpp16: dynamic profile renewed');
      return;
    }
    logger.warn({ outcome: result.outcome, detail: result.detail }, 'ocpp16: dynamic profile not renewed');
    if (connection === this.connection) this.lastAcceptedKey = undefined;
    const remainingMs = (dynamic.expiresAtMs ?? nowMs) - clock.nowMs();
    if (result.outcome === 'failed' && connection === this.connection && remainingMs > 2000) {
      this.dynamic = dynamic;
      this.scheduleRenewal(Math.min(RENEWAL_RETRY_MS, Math.floor(remainingMs / 2)));
    }
  }

  private async checkCompositeSchedule(connection: OcppConnection, target: Target): Promise<void> {
    try {
      const answer = compositeScheduleResponseSchema.safeParse(await connection.call('GetCompositeSchedule', {
        connectorId: this.options.connectorId, duration: 60, chargingRateUnit: target.unit,
      }));
      if (!answer.success || answer.data.status !== 'Accepted') return;
      const schedule = answer.data.chargingSchedule;
      const first = schedule?.chargingSchedulePeriod[0];
      if (schedule === undefined || first === undefined) return;
      const phases = first.numberPhases ?? target.phases;
      const limitA = schedule.chargingRateUnit === 'A' ? first.limit : first.limit / (phases * this.options.voltageV);
      this.options.compliance.observeComposite(Math.round(limitA * 10) / 10, this.options.clock.nowMs());
    } catch (error) {
      // Optional evidence: a charger without GetCompositeSchedule is not at fault.
      this.options.logger.debug({ detail: describeCallFailure(error).detail }, 'ocpp16: GetCompositeSchedule failed');
    }
  }

  private async send(connection: OcppConnection, request: SetChargingProfileRequest): Promise<SendOutcome> {
    try {
      const parsed = statusResponseSchema.safeParse(await connection.call('SetChargingProfile', request));
      if (!parsed.success) return { kind: 'failed', outcome: 'failed', detail: 'unreadable SetChargingProfile response' };
      return parsed.data.status === 'Accepted' ? { kind: 'accepted' } : { kind: 'refused', detail: parsed.data.status };
    } catch (error) {
      const failure = describeCallFailure(error);
      this.options.logger.warn({ kind: failure.kind, detail: failure.detail }, 'ocpp16: SetChargingProfile failed');
      // A CALLERROR is the charger saying no: its previous profile still holds. Anything else leaves us not knowing.
      if (failure.kind === 'call-error') return { kind: 'refused', detail: failure.detail };
      return { kind: 'failed', outcome: failure.kind === 'not-connected' ? 'offline' : 'failed', detail: failure.detail };
    }
  }

  private async clearProfile(connection: OcppConnection, id: number): Promise<void> {
    try {
      const parsed = statusResponseSchema.safeParse(await connection.call('ClearChargingProfile', { id }));
      this.options.logger.debug({ id, status: parsed.success ? parsed.data.status : 'unreadable' }, 'ocpp16: cleared our profile');
    } catch (error) {
      this.options.logger.warn({ id, detail: describeCallFailure(error).detail }, 'ocpp16: ClearChargingProfile failed');
    }
  }

  private targetOf(requestedA: number, phases: 1 | 3, facts: ChargerFacts): Target {
    const unit = this.unitOf(facts);
    const currentA = this.roundCurrent(Math.max(0, requestedA), facts.quirk);
    // A limits are per phase; W limits are the total over the phases in use (reference §2.1).
    const value = unit === 'A' ? currentA : roundDownToTenth(powerForCurrentW(currentA, phases, this.options.voltageV));
    return { currentA, phases, unit, value, key: `${unit}:${value}:${phases}` };
  }

  private safeValue(unit: 'A' | 'W', quirk: SmartChargingQuirk | undefined): number {
    const currentA = this.roundCurrent(this.options.safeCurrentA ?? 0, quirk);
    return unit === 'A' ? currentA : roundDownToTenth(powerForCurrentW(currentA, this.options.phases, this.options.voltageV));
  }

  private roundCurrent(currentA: number, quirk: SmartChargingQuirk | undefined): number {
    return quirk?.wholeAmps === true ? Math.floor(currentA + 1e-9) : roundDownToTenth(currentA);
  }

  private unitOf(facts: ChargerFacts): 'A' | 'W' {
    return facts.quirk?.rateUnit ?? chooseRateUnit(facts.capabilities);
  }

  private expiryS(facts: ChargerFacts = this.options.facts()): number {
    return facts.quirk?.profileExpiryS ?? this.options.profileExpiryS;
  }
}
