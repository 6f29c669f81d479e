import { roundDownToTenth } from '../../domain/charge-limit.ts';
import { powerForCurrentW } from '../../domain/electrical.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ChargeLimit } from '../../domain/charge-limit.ts';
import { describeCallFailure, type OcppConnection } from '../ocpp-rpc-types.ts';
import { WriteBudget, type WriteBudgetReport } from '../write-budget.ts';
import { safeDefaultProfile201Request } from './charging-profile.ts';
import { statusResponseSchema } from './messages.ts';

/**
 * Fail-safe charging profiles for 2.0.1 stations, on par with the 1.6 writer (ocpp16/profile-writer.ts):
 *
 * - After each boot (or a reconnect without one), Sunplug clears its own dynamic profile by its fixed id, so that a
 *   limit left by a run that ended cannot hold the station, then writes the SAFE DEFAULT: TxDefaultProfile on the
 *   controlled EVSE, stack level 0, open-ended, the site's safe current.
 * - Every dynamic limit goes above it (stack level 1 or more, fixed id) with `validTo` = now + profileExpiryS and
 *   the same schedule duration; Sunplug renews it at two thirds of its life. If Sunplug stops, the dynamic profile
 *   lapses and the station drops to the safe default by itself.
 *
 * This class holds the set-up calls and the renewal timer; the adapter decides what to write and queues renewals
 * with its other writes, so a renewal can never overtake a newer limit.
 */

export const SAFE_DEFAULT_PROFILE_ID_201 = 1000;
const SAFE_STACK_LEVEL = 0;
/** The safe default starts a day in the past: it must hold even on a station whose clock is well ahead. */
const SAFE_START_LEAD_MS = 86_400_000;
/** A renewal that failed on the transport is tried again after at most this long, ms. */
const RENEWAL_RETRY_MS = 30_000;

export interface FailSafe201Options {
  clock: Clock;
  logger: Logger;
  evseId: number;
  voltageV: number;
  /** The site's safe current per phase, A. */
  safeCurrentA: number;
  /** Lifetime of each dynamic profile, s. */
  profileExpiryS: number;
  /** Phases the station is wired for, to express the safe current in W for W-only stations. Default 3. */
  phases?: 1 | 3;
  /** Id of the dynamic profile, cleared at boot. */
  dynamicProfileId: number;
  /** Profile writes per rolling 24 h, to spare the station's flash (renewals count). Default 480. */
  writeBudgetPerDay?: number;
}

export interface FailSafe201Report {
  safeCurrentA: number;
  profileExpiryS: number;
  safeDefault: 'pending' | 'accepted' | 'rejected' | 'failed';
  /** When the dynamic profile lapses on the station unless renewed, ms. */
  dynamicValidToMs?: number;
  nextRenewalAtMs?: number;
  budget: WriteBudgetReport;
}

export class FailSafeProfiles201 {
  private safeDefault: FailSafe201Report['safeDefault'] = 'pending';
  private renewal: AbortController | undefined;
  private validToMs: number | undefined;
  private renewAtMs: number | undefined;
  private readonly budget: WriteBudget;

  constructor(private readonly options: FailSafe201Options) {
    this.budget = new WriteBudget(options.writeBudgetPerDay ?? 480);
  }

  /**
   * Whether a dynamic write may go out now (DESIGN.md safety model 4, as for 1.6): safety reductions, pauses and
   * limits at or below the safe current always may; anything else only within the daily budget. When a renewal is
   * held, the limit lapses to the safe current on the station, which is the safe direction.
   */
  mayWrite(limit: ChargeLimit, nowMs: number): boolean {
    if (limit.safety || limit.currentA <= 0 || limit.currentA <= this.options.safeCurrentA) return true;
    return this.budget.allows(nowMs);
  }

  /** Counts a write the station accepted. */
  recordWrite(nowMs: number): void {
    this.budget.record(nowMs);
  }

  get writesPerDay(): number {
    return this.budget.perDay;
  }

  /** validTo for a dynamic profile written now. */
  validToFor(nowMs: number): number {
    return nowMs + this.options.profileExpiryS * 1000;
  }

  /**
   * Clears Sunplug's stale dynamic profile and writes the safe default, in that order. Each call fails on its own and
   * is logged; the adapter writes the next limit either way.
   */
  async install(connection: OcppConnection, unit: 'A' | 'W'): Promise<void> {
    const { logger, clock, evseId, dynamicProfileId, safeCurrentA } = this.options;
    this.cancelRenewal();
    this.validToMs = undefined;
    try {
      // By id: only our own profile goes; the installer's or the grid operator's stay.
      const cleared = statusResponseSchema.safeParse(await connection.call('ClearChargingProfile', { chargingProfileId: dynamicProfileId }));
      logger.debug({ status: cleared.success ? cleared.data.status : 'unreadable' }, 'ocpp201: stale dynamic profile cleared');
    } catch (error) {
      logger.debug({ detail: describeCallFailure(error).detail }, 'ocpp201: ClearChargingProfile failed');
    }
    const phases = this.options.phases ?? 3;
    const limit = unit === 'A' ? roundDownToTenth(safeCurrentA) : roundDownToTenth(powerForCurrentW(safeCurrentA, phases, this.options.voltageV));
    const request = safeDefaultProfile201Request({
      evseId, chargingProfileId: SAFE_DEFAULT_PROFILE_ID_201, stackLevel: SAFE_STACK_LEVEL,
      startScheduleMs: clock.nowMs() - SAFE_START_LEAD_MS, unit, limit, ...(unit === 'W' ? { numberPhases: phases } : {}),
    });
    try {
      const parsed = statusResponseSchema.safeParse(await connection.call('SetChargingProfile', request));
      this.safeDefault = parsed.success && parsed.data.status === 'Accepted' ? 'accepted' : 'rejected';
      if (this.safeDefault === 'accepted') this.budget.record(clock.nowMs());
      if (this.safeDefault === 'accepted') logger.info({ limit, unit }, 'ocpp201: fail-safe default profile in place');
      else logger.warn({ status: parsed.success ? parsed.data.status : 'unreadable' }, 'ocpp201: fail-safe default profile refused; a stopped Sunplug leaves the last limit in place');
    } catch (error) {
      this.safeDefault = 'failed';
      logger.warn({ detail: describeCallFailure(error).detail }, 'ocpp201: fail-safe default profile not written');
    }
  }

  /**
   * After the station accepted a dynamic profile valid until `validToMs`: `renew` is called at two thirds of its
   * life (it must queue a rewrite of the same limit). A newer write replaces the timer.
   */
  scheduleRenewal(validToMs: number, renew: () => Promise<boolean>): void {
    this.cancelRenewal();
    const nowMs = this.options.clock.nowMs();
    this.validToMs = validToMs;
    const lifeMs = validToMs - nowMs;
    this.arm(Math.max(1000, Math.floor((lifeMs * 2) / 3)), renew);
  }

  /** The connection is gone: the station's own expiry now does the work. */
  cancelRenewal(): void {
    this.renewal?.abort();
    this.renewal = undefined;
    this.renewAtMs = undefined;
  }

  report(): FailSafe201Report {
    return {
      safeCurrentA: this.options.safeCurrentA,
      profileExpiryS: this.options.profileExpiryS,
      safeDefault: this.safeDefault,
      ...(this.validToMs !== undefined ? { dynamicValidToMs: this.validToMs } : {}),
      ...(this.renewAtMs !== undefined ? { nextRenewalAtMs: this.renewAtMs } : {}),
      budget: this.budget.report(this.options.clock.nowMs()),
    };
  }

  private arm(delayMs: number, renew: () => Promise<boolean>): void {
    const controller = new AbortController();
    this.renewal = controller;
    this.renewAtMs = this.options.clock.nowMs() + delayMs;
    this.options.clock.sleep(delayMs, controller.signal).then(async () => {
      if (controller.signal.aborted) return;
      const ok = await renew();
      // A successful renewal schedules the next one through scheduleRenewal; a failed one retries soon, while the
      // profile on the station still holds.
      if (!ok && this.renewal === controller) {
        const leftMs = (this.validToMs ?? 0) - this.options.clock.nowMs();
        if (leftMs > 0) this.arm(Math.min(RENEWAL_RETRY_MS, Math.max(1000, Math.floor(leftMs / 2))), renew);
      }
    }, () => { /* cancelled */ });
  }
}
