import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import { parseIsoTime } from '../ocpp16/messages.ts';
import {
  clearedChargingLimitSchema, notifyChargingLimitSchema, notifyEvChargingNeedsSchema, notifyEventSchema, securityEventSchema,
} from './messages.ts';

/**
 * What a 2.0.1 charger tells Sunplug besides status and meter values: the car's charging needs (ISO 15118), limits
 * imposed on the charger from elsewhere, and alarms. Kept for a later planner and for the user; each `on*` method
 * takes the raw payload, tolerates what it cannot read (logged) and returns the CALLRESULT payload.
 */

/** NotifyEVChargingNeeds in Sunplug units. */
export interface EvChargingNeeds {
  evseId: number;
  /** 'AC_single_phase' | 'AC_two_phase' | 'AC_three_phase' | 'DC', as the car requested. */
  requestedEnergyTransfer: string;
  /** When the driver wants to leave, ms. */
  departureAtMs?: number;
  /** Energy the car wants, Wh. */
  energyAmountWh?: number;
  /** The car's minimum and maximum current per phase, A (AC only). */
  evMinCurrentA?: number;
  evMaxCurrentA?: number;
  evMaxVoltageV?: number;
  /** DC only: the battery's state of charge, %. */
  socPct?: number;
  receivedAtMs: number;
}

/** A limit the charger reports as imposed by someone other than Sunplug (NotifyChargingLimit). */
export interface ExternalChargingLimit {
  /** 'EMS' | 'Other' | 'SO' | 'CSO'. */
  source: string;
  isGridCritical?: boolean;
  evseId?: number;
  /** The first period of the first schedule, when the charger sent one. */
  limit?: { unit: string; value: number; numberPhases?: number };
  receivedAtMs: number;
}

export interface ChargerAlarm {
  /** When it happened at the charger, ms. */
  atMs: number;
  kind: 'event' | 'security';
  /** `Component.Variable` for NotifyEvent (e.g. 'Connector.Problem'), the event type for security events. */
  what: string;
  value?: string;
  /** The charger says the condition is over. */
  cleared?: boolean;
  detail?: string;
}

const ACK = {};

export class StationNotices {
  private needs: EvChargingNeeds | undefined;
  private readonly limits = new Map<string, ExternalChargingLimit>();
  private readonly recentAlarms: ChargerAlarm[] = [];
  private readonly needsListeners = new Set<(needs: EvChargingNeeds | undefined) => void>();

  constructor(private readonly options: { clock: Clock; logger: Logger; evseId: number; maxAlarms: number }) {}

  get chargingNeeds(): EvChargingNeeds | undefined {
    return this.needs && { ...this.needs };
  }

  get externalLimits(): readonly ExternalChargingLimit[] {
    return [...this.limits.values()];
  }

  /** The most recent alarms, oldest first. */
  get alarms(): readonly ChargerAlarm[] {
    return [...this.recentAlarms];
  }

  onChargingNeedsChange(listener: (needs: EvChargingNeeds | undefined) => void): () => void {
    this.needsListeners.add(listener);
    return () => this.needsListeners.delete(listener);
  }

  /** The needs belong to one car's session: forgotten when its transaction ends or the car leaves. */
  clearChargingNeeds(): void {
    if (this.needs === undefined) return;
    this.needs = undefined;
    this.emitNeeds();
  }

  onNotifyEVChargingNeeds(params: unknown): object {
    // Accepted: Sunplug takes the needs into account. It answers with its usual TxDefaultProfile, not a schedule yet.
    const answer = { status: 'Accepted' };
    const parsed = notifyEvChargingNeedsSchema.safeParse(params);
    if (!parsed.success) {
      this.options.logger.warn({ issues: parsed.error.issues.length }, 'ocpp201: unreadable NotifyEVChargingNeeds ignored');
      return answer;
    }
    const { evseId, chargingNeeds } = parsed.data;
    if (evseId !== this.options.evseId) {
      this.options.logger.debug({ evseId }, 'ocpp201: charging needs for another EVSE');
      return answer;
    }
    const ac = chargingNeeds.acChargingParameters;
    const dc = chargingNeeds.dcChargingParameters;
    const needs: EvChargingNeeds = { evseId, requestedEnergyTransfer: chargingNeeds.requestedEnergyTransfer, receivedAtMs: this.options.clock.nowMs() };
    const departureAtMs = parseIsoTime(chargingNeeds.departureTime);
    if (departureAtMs !== undefined) needs.departureAtMs = departureAtMs;
    const energyAmountWh = ac?.energyAmount ?? dc?.energyAmount;
    if (energyAmountWh !== undefined) needs.energyAmountWh = energyAmountWh;
    if (ac?.evMinCurrent !== undefined) needs.evMinCurrentA = ac.evMinCurrent;
    if (ac?.evMaxCurrent !== undefined) needs.evMaxCurrentA = ac.evMaxCurrent;
    if (ac?.evMaxVoltage !== undefined) needs.evMaxVoltageV = ac.evMaxVoltage;
    if (dc?.stateOfCharge !== undefined) needs.socPct = dc.stateOfCharge;
    this.needs = needs;
    this.options.logger.info({ energyAmountWh: needs.energyAmountWh, departureTime: chargingNeeds.departureTime, transfer: needs.requestedEnergyTransfer }, 'ocpp201: EV charging needs');
    this.emitNeeds();
    return answer;
  }

  onNotifyChargingLimit(params: unknown): object {
    const parsed = notifyChargingLimitSchema.safeParse(params);
    if (!parsed.success) {
      this.options.logger.warn({ issues: parsed.error.issues.length }, 'ocpp201: unreadable NotifyChargingLimit ignored');
      return ACK;
    }
    const { chargingLimit, evseId, chargingSchedule } = parsed.data;
    const limit: ExternalChargingLimit = { source: chargingLimit.chargingLimitSource, receivedAtMs: this.options.clock.nowMs() };
    if (chargingLimit.isGridCritical !== undefined) limit.isGridCritical = chargingLimit.isGridCritical;
    if (evseId !== undefined) limit.evseId = evseId;
    const schedule = chargingSchedule?.[0];
    const period = schedule?.chargingSchedulePeriod[0];
    if (schedule !== undefined && period !== undefined) {
      limit.limit = period.numberPhases !== undefined
        ? { unit: schedule.chargingRateUnit, value: period.limit, numberPhases: period.numberPhases }
        : { unit: schedule.chargingRateUnit, value: period.limit };
    }
    this.limits.set(limit.source, limit);
    this.options.logger.warn({ source: limit.source, isGridCritical: limit.isGridCritical, limit: limit.limit }, 'ocpp201: charger reports an external charging limit');
    return ACK;
  }

  onClearedChargingLimit(params: unknown): object {
    const parsed = clearedChargingLimitSchema.safeParse(params);
    if (!parsed.success) {
      this.options.logger.warn({ issues: parsed.error.issues.length }, 'ocpp201: unreadable ClearedChargingLimit ignored');
      return ACK;
    }
    this.limits.delete(parsed.data.chargingLimitSource);
    this.options.logger.info({ source: parsed.data.chargingLimitSource }, 'ocpp201: external charging limit cleared');
    return ACK;
  }

  onNotifyEvent(params: unknown): object {
    const parsed = notifyEventSchema.safeParse(params);
    if (!parsed.success) {
      this.options.logger.warn({ issues: parsed.error.issues.length }, 'ocpp201: unreadable NotifyEvent ignored');
      return ACK;
    }
    for (const event of parsed.data.eventData) {
      const what = `${event.component.name}.${event.variable.name}`;
      const detail = [event.techCode, event.techInfo].filter((part) => part !== undefined).join(': ');
      const alarm: ChargerAlarm = { atMs: parseIsoTime(event.timestamp) ?? this.options.clock.nowMs(), kind: 'event', what };
      if (event.actualValue !== undefined) alarm.value = event.actualValue;
      if (event.cleared !== undefined) alarm.cleared = event.cleared;
      if (detail !== '') alarm.detail = detail;
      // Periodic events are monitoring readings, not alarms: logged only.
      if (event.trigger === 'Periodic') {
        this.options.logger.debug({ what, value: event.actualValue }, 'ocpp201: periodic event');
        continue;
      }
      this.options.logger.warn({ what, value: event.actualValue, cleared: event.cleared, trigger: event.trigger, detail }, 'ocpp201: charger event');
      this.remember(alarm);
    }
    return ACK;
  }

  onSecurityEventNotification(params: unknown): object {
    const parsed = securityEventSchema.safeParse(params);
    if (!parsed.success) {
      this.options.logger.warn({ issues: parsed.error.issues.length }, 'ocpp201: unreadable SecurityEventNotification ignored');
      return ACK;
    }
    const { type, timestamp, techInfo } = parsed.data;
    this.options.logger.warn({ type, techInfo }, 'ocpp201: security event');
    const alarm: ChargerAlarm = { atMs: parseIsoTime(timestamp) ?? this.options.clock.nowMs(), kind: 'security', what: type };
    if (techInfo !== undefined) alarm.detail = techInfo;
    this.remember(alarm);
    return ACK;
  }

  private remember(alarm: ChargerAlarm): void {
    this.recentAlarms.push(alarm);
    if (this.recentAlarms.length > this.options.maxAlarms) this.recentAlarms.splice(0, this.recentAlarms.length - this.options.maxAlarms);
  }

  private emitNeeds(): void {
    const needs = this.chargingNeeds;
    for (const listener of this.needsListeners) {
      try {
        listener(needs);
      } catch (error) {
        this.options.logger.error({ err: error }, 'ocpp201: charging-needs listener failed');
      }
    }
  }
}
