import { roundDownToTenth, type ChargeLimit } from '../../domain/charge-limit.ts';
import type { ChargerState } from '../../domain/charger-state.ts';
import type { TransactionEvent } from '../../domain/charging-session.ts';
import { powerForCurrentW } from '../../domain/electrical.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ApplyResult } from '../charger-adapter.ts';
import { ChargerOfflineError, tokenInfo201, type ChargerHooks, type IdTokenOrigin } from '../charger-hooks.ts';
import { isoTime } from '../ocpp16/messages.ts';
import { describeCallFailure, type InboundCall, type OcppConnection } from '../ocpp-rpc-types.ts';
import type { ProtocolAdapter, ProtocolAdapterContext } from '../protocol-adapter.ts';
import { configureSampledData, readDeviceModel, triggerStatusNotification } from './charger-setup.ts';
import { txDefaultProfile201Request } from './charging-profile.ts';
import { requestBaseReport } from './device-inventory.ts';
import { FailSafeProfiles201, type FailSafe201Report } from './fail-safe-profiles.ts';
import { chooseRateUnit201, DeviceModel, type Ocpp201Capabilities, type ReportedVariable } from './device-model.ts';
import { EvseSession } from './evse-session.ts';
import { inventoryHandler, logOnlyHandlers } from './inbound-reports.ts';
import { bootNotificationSchema, statusResponseSchema } from './messages.ts';
import { StationNotices, type ChargerAlarm, type EvChargingNeeds, type ExternalChargingLimit } from './station-notices.ts';
import type { TransactionEventEntry } from './transaction-record.ts';

export interface Ocpp201AdapterOptions extends ProtocolAdapterContext {
  /** The EVSE Sunplug controls. Default 1 (one-EVSE home wallboxes). */
  evseId?: number;
  /** The connector of that EVSE whose status counts. Default 1. */
  connectorId?: number;
  /** SampledDataCtrlr.TxUpdatedInterval written after boot, s. Default 10. */
  txUpdatedIntervalS?: number;
  /** Heartbeat interval granted in BootNotification, s. Default 60. */
  heartbeatIntervalS?: number;
  /** Fixed id of Sunplug's TxDefaultProfile (and of its schedule), so each write replaces the last. Default 1001. */
  chargingProfileId?: number;
  /**
   * Stack level of that profile, capped by the charger's ProfileStackLevel. Default 1: level 0 stays free for a
   * fail-safe default profile beneath it (DESIGN.md safety model 3).
   */
  stackLevel?: number;
  /** A charger that reconnects without a BootNotification is configured after this long anyway, ms. Default 5000. */
  bootWaitMs?: number;
  /**
   * The site's safe current per phase, A: turns on fail-safe profiles (fail-safe-profiles.ts): a safe default at
   * stack level 0, the dynamic limit above it expiring after `profileExpiryS` and renewed while Sunplug runs.
   */
  safeCurrentA?: number;
  /** Lifetime of the dynamic profile, s (fail-safe mode). Default 900. */
  profileExpiryS?: number;
  /** Phases the station is wired for (the safe current in W for W-only stations). Default 3. */
  phases?: 1 | 3;
  /** Profile writes per rolling 24 h (fail-safe mode); safety reductions always go out. Default 480. */
  writeBudgetPerDay?: number;
  /** Alarms kept for the user. Default 20. */
  maxAlarms?: number;
  /** Card authorization, job status notifications and the online signal (see charger-hooks.ts). */
  hooks?: ChargerHooks;
}

export interface Ocpp201BootInfo {
  vendor?: string;
  model?: string;
  serialNumber?: string;
  firmwareVersion?: string;
  /** Why the charger booted ('PowerUp', 'FirmwareUpdate', ...). */
  reason?: string;
}

/** Sunplug's side of one OCPP 2.0.1 charging station (EVSE 1 for now). See protocol-adapter.ts for its lifetime. */
export class Ocpp201Adapter implements ProtocolAdapter {
  readonly protocol = 'ocpp2.0.1';
  readonly id: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly voltageV: number;
  private readonly evseId: number;
  private readonly connectorId: number;
  private readonly txUpdatedIntervalS: number;
  private readonly heartbeatIntervalS: number;
  private readonly chargingProfileId: number;
  private readonly stackLevel: number;
  private readonly bootWaitMs: number;
  private readonly hooks: ChargerHooks;

  private connection: OcppConnection | undefined;
  private readonly session: EvseSession;
  private readonly notices: StationNotices;
  private readonly model = new DeviceModel();
  private readonly failSafe: FailSafeProfiles201 | undefined;
  private boot: Ocpp201BootInfo = {};
  /** Settles (never rejects) when the device-model read after boot has finished; applyLimit waits for it. */
  private modelRead: Promise<void> = Promise.resolve();
  /** Unit, value and phases of the last profile the charger accepted on the current connection. */
  private lastAcceptedKey: string | undefined;
  private applyQueue: Promise<unknown> = Promise.resolve();
  private bootWait: AbortController | undefined;
  private readonly listeners = new Set<(state: ChargerState) => void>();
  private readonly transactionListeners = new Set<(event: TransactionEvent) => void>();

  constructor(options: Ocpp201AdapterOptions) {
    this.id = options.id;
    this.clock = options.clock;
    this.logger = options.logger;
    this.voltageV = options.voltageV;
    this.evseId = options.evseId ?? 1;
    this.connectorId = options.connectorId ?? 1;
    this.txUpdatedIntervalS = options.txUpdatedIntervalS ?? 10;
    this.heartbeatIntervalS = options.heartbeatIntervalS ?? 60;
    this.chargingProfileId = options.chargingProfileId ?? 1001;
    this.stackLevel = options.stackLevel ?? 1;
    this.bootWaitMs = options.bootWaitMs ?? 5000;
    if (options.safeCurrentA !== undefined) {
      this.failSafe = new FailSafeProfiles201({
        clock: this.clock, logger: this.logger, evseId: this.evseId, voltageV: this.voltageV, safeCurrentA: options.safeCurrentA,
        profileExpiryS: options.profileExpiryS ?? 900, dynamicProfileId: this.chargingProfileId, ...(options.phases !== undefined ? { phases: options.phases } : {}),
        ...(options.writeBudgetPerDay !== undefined ? { writeBudgetPerDay: options.writeBudgetPerDay } : {}),
      });
    }
    this.hooks = options.hooks ?? {};
    this.notices = new StationNotices({ clock: this.clock, logger: this.logger, evseId: this.evseId, maxAlarms: options.maxAlarms ?? 20 });
    this.session = new EvseSession({
      id: this.id, evseId: this.evseId, connectorId: this.connectorId, clock: this.clock, logger: this.logger,
      onChange: () => this.emit(),
      onTransaction: (event) => this.emitTransaction(event),
      onVehicleGone: () => this.notices.clearChargingNeeds(),
    });
  }

  snapshot(): ChargerState {
    return this.session.snapshot();
  }

  onStateChange(listener: (state: ChargerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Transactions as they start, measure and end, in the charger's time (also those it ran while offline). */
  onTransaction(listener: (event: TransactionEvent) => void): () => void {
    this.transactionListeners.add(listener);
    return () => this.transactionListeners.delete(listener);
  }

  /** What the car asked for over ISO 15118 (departure time, energy), until its session ends; for a planner. */
  get chargingNeeds(): EvChargingNeeds | undefined {
    return this.notices.chargingNeeds;
  }

  onChargingNeeds(listener: (needs: EvChargingNeeds | undefined) => void): () => void {
    return this.notices.onChargingNeedsChange(listener);
  }

  /** Limits the charger reports as set by others (NotifyChargingLimit), by source. */
  get externalLimits(): readonly ExternalChargingLimit[] {
    return this.notices.externalLimits;
  }

  /** The charger's most recent alarms (NotifyEvent, SecurityEventNotification), oldest first. */
  get alarms(): readonly ChargerAlarm[] {
    return this.notices.alarms;
  }

  /** What the charger said in its last BootNotification. */
  get bootInfo(): Readonly<Ocpp201BootInfo> {
    return this.boot;
  }

  /** What the charger said about smart charging and sampling (GetVariables after boot, NotifyReport). */
  get capabilities(): Ocpp201Capabilities {
    return this.model.capabilities();
  }

  /** Every device-model variable the charger reported (GetVariables results and NotifyReport inventory). */
  get inventory(): ReadonlyMap<string, ReportedVariable> {
    return this.model.entries();
  }

  /** The idToken of the open transaction, for vehicle identification. */
  get idToken(): string | undefined {
    return this.session.idToken;
  }

  /** The TransactionEvents of a transaction (the open or last one by default), in seqNo order. */
  transactionLog(transactionId?: string): readonly TransactionEventEntry[] {
    return this.session.transactionLog(transactionId);
  }

  attach(connection: OcppConnection): void {
    this.bootWait?.abort();
    this.connection = connection;
    // A new socket may follow a reboot that lost a non-persistent profile: the next limit is always written.
    this.lastAcceptedKey = undefined;
    this.registerHandlers(connection);
    this.configureWithoutBootAfterWait(connection);
    this.session.setConnected(true);
  }

  detach(connection: OcppConnection): boolean {
    if (connection !== this.connection) return false;
    this.connection = undefined;
    this.bootWait?.abort();
    this.lastAcceptedKey = undefined;
    this.failSafe?.cancelRenewal();
    this.session.setConnected(false);
    return true;
  }

  /** True while the charger has a live connection. */
  get online(): boolean {
    return this.connection !== undefined;
  }

  /** Sends any CALL to the charger (installer actions); rejects with ChargerOfflineError without a connection. */
  async call(method: string, params: object): Promise<unknown> {
    const connection = this.connection;
    if (connection === undefined) throw new ChargerOfflineError(this.id);
    return connection.call(method, params);
  }

  applyLimit(limit: ChargeLimit, renewal = false): Promise<ApplyResult> {
    // One write at a time, so 'unchanged' compares against what the charger really accepted last, and a renewal
    // never overtakes a newer limit.
    const run = this.applyQueue.then(() => this.writeLimit(limit, renewal));
    this.applyQueue = run.catch(() => undefined);
    return run;
  }

  /** Fail-safe state: the safe default and when the dynamic limit lapses unless renewed; undefined without it. */
  failSafeReport(): FailSafe201Report | undefined {
    return this.failSafe?.report();
  }

  private async writeLimit(limit: ChargeLimit, renewal = false): Promise<ApplyResult> {
    if (limit.chargerId !== this.id) this.logger.warn({ limitFor: limit.chargerId }, 'ocpp201: limit for another charger');
    const connection = this.connection;
    if (connection === undefined) return { outcome: 'offline', detail: 'not connected' };
    await this.modelRead;
    if (connection !== this.connection) return { outcome: 'offline', detail: 'disconnected' };
    const capabilities = this.model.capabilities();
    const unit = chooseRateUnit201(capabilities);
    const currentA = Math.max(0, roundDownToTenth(limit.currentA));
    // A limits are per phase; W limits are the total over the phases in use, at the site's voltage (reference §2.2).
    const value = unit === 'A' ? currentA : roundDownToTenth(powerForCurrentW(currentA, limit.phases, this.voltageV));
    const key = `${unit}:${value}:${limit.phases}`;
    if (key === this.lastAcceptedKey && !renewal) return { outcome: 'unchanged' };
    // A renewal of a limit that has since been replaced is dropped: the newer write scheduled its own.
    if (renewal && key !== this.lastAcceptedKey) return { outcome: 'unchanged', detail: 'superseded' };
    if (this.failSafe !== undefined && !this.failSafe.mayWrite(limit, this.clock.nowMs())) {
      this.logger.info({ currentA: limit.currentA, renewal, perDay: this.failSafe.writesPerDay }, 'ocpp201: write budget spent; limit held');
      // A held renewal lets the limit lapse to the safe current: the next limit must then be written, not 'unchanged'.
      if (renewal) this.lastAcceptedKey = undefined;
      return { outcome: 'rejected', detail: `held: the daily budget of ${this.failSafe.writesPerDay} profile writes is spent` };
    }
    const validToMs = this.failSafe?.validToFor(this.clock.nowMs());
    const request = txDefaultProfile201Request({
      evseId: this.evseId,
      chargingProfileId: this.chargingProfileId,
      chargingScheduleId: this.chargingProfileId,
      stackLevel: Math.max(0, Math.min(this.stackLevel, capabilities.maxStackLevel ?? this.stackLevel)),
      startScheduleMs: this.clock.nowMs() - 60_000,
      unit,
      limit: value,
      numberPhases: limit.phases,
      ...(validToMs !== undefined ? { validToMs } : {}),
    });
    try {
      const parsed = statusResponseSchema.safeParse(await connection.call('SetChargingProfile', request));
      if (!parsed.success) return { outcome: 'failed', detail: 'unreadable SetChargingProfile response' };
      const { status, statusInfo } = parsed.data;
      if (status !== 'Accepted') {
        const detail = statusInfo !== undefined ? `${status}: ${statusInfo.reasonCode}` : status;
        this.logger.warn({ status, reason: statusInfo?.reasonCode, limit: value, unit }, 'ocpp201: charging profile not accepted');
        return { outcome: 'rejected', detail };
      }
      if (connection === this.connection) {
        this.lastAcceptedKey = key;
        this.failSafe?.recordWrite(this.clock.nowMs());
        if (validToMs !== undefined) {
          this.failSafe?.scheduleRenewal(validToMs, async () => {
            const result = await this.applyLimit(limit, true);
            // Retry soon only when the write failed on the way; a held, superseded or refused renewal is final.
            return result.outcome !== 'failed' && result.outcome !== 'offline';
          });
        }
      }
      this.logger.debug({ limit: value, unit, phases: limit.phases, reason: limit.reason }, 'ocpp201: limit applied');
      return { outcome: 'applied', detail: `${value} ${unit}` };
    } catch (error) {
      const result = this.failureOutcome(connection, error, 'SetChargingProfile');
      // Only a CALLERROR leaves the previous profile known to hold; after anything else we do not know what it has.
      if (result.outcome !== 'rejected' && connection === this.connection) this.lastAcceptedKey = undefined;
      return result;
    }
  }

  /**
   * Ends the open transaction (RequestStopTransaction), the last step when a charger ignores its limit. 'unchanged'
   * when no transaction is open; 'applied' means the charger agreed, its TransactionEvent Ended follows.
   */
  async stopTransaction(): Promise<ApplyResult> {
    const connection = this.connection;
    if (connection === undefined) return { outcome: 'offline', detail: 'not connected' };
    const transactionId = this.session.snapshot().transactionId;
    if (transactionId === undefined) return { outcome: 'unchanged', detail: 'no transaction' };
    try {
      const parsed = statusResponseSchema.safeParse(await connection.call('RequestStopTransaction', { transactionId }));
      if (!parsed.success) return { outcome: 'failed', detail: 'unreadable RequestStopTransaction response' };
      if (parsed.data.status !== 'Accepted') {
        this.logger.warn({ transactionId, status: parsed.data.status }, 'ocpp201: charger refused to stop the transaction');
        return { outcome: 'rejected', detail: parsed.data.status };
      }
      this.logger.info({ transactionId }, 'ocpp201: transaction stop requested');
      return { outcome: 'applied', detail: `stop ${transactionId}` };
    } catch (error) {
      return this.failureOutcome(connection, error, 'RequestStopTransaction');
    }
  }

  /** A CALLERROR is the charger saying no; a dropped line is offline; a timeout or anything else leaves us not knowing. */
  private failureOutcome(connection: OcppConnection, error: unknown, method: string): ApplyResult {
    const failure = describeCallFailure(error);
    this.logger.warn({ kind: failure.kind, detail: failure.detail }, `ocpp201: ${method} failed`);
    if (failure.kind === 'call-error') return { outcome: 'rejected', detail: failure.detail };
    if (failure.kind === 'not-connected' || connection !== this.connection) return { outcome: 'offline', detail: failure.detail };
    return { outcome: 'failed', detail: failure.detail };
  }

  private registerHandlers(connection: OcppConnection): void {
    const handle = (method: string, handler: (call: InboundCall) => unknown): void =>
      connection.handle(method, async (call) => handler(call));
    handle('BootNotification', (call) => this.onBootNotification(connection, call));
    handle('Heartbeat', () => ({ currentTime: isoTime(this.clock.nowMs()) }));
    handle('StatusNotification', (call) => this.session.onStatusNotification(call.params));
    handle('Authorize', (call) => ({ idTokenInfo: this.idTokenInfo(call.params, 'Authorize') ?? { status: 'Accepted' } }));
    handle('TransactionEvent', (call) => {
      const answer = this.session.onTransactionEvent(call.params);
      // The transaction is recorded whatever the verdict: a station told Invalid/Blocked ends it itself.
      const info = 'idTokenInfo' in answer ? this.idTokenInfo(call.params, 'TransactionEvent') : undefined;
      return info !== undefined ? { ...answer, idTokenInfo: info } : answer;
    });
    handle('MeterValues', (call) => this.session.onMeterValues(call.params));
    handle('NotifyEVChargingNeeds', (call) => this.notices.onNotifyEVChargingNeeds(call.params));
    handle('NotifyChargingLimit', (call) => this.notices.onNotifyChargingLimit(call.params));
    handle('ClearedChargingLimit', (call) => this.notices.onClearedChargingLimit(call.params));
    handle('NotifyEvent', (call) => this.notices.onNotifyEvent(call.params));
    handle('SecurityEventNotification', (call) => this.notices.onSecurityEventNotification(call.params));
    handle('NotifyReport', inventoryHandler(this.model, this.clock, this.logger));
    for (const [method, handler] of logOnlyHandlers(this.logger)) handle(method, handler);
    for (const [method, handler] of this.hooks.inboundHandlers?.(this.id, this.protocol) ?? []) handle(method, handler);
    // Anything else gets ocpp-rpc's NotImplemented CALLERROR.
  }

  /** The card list's verdict on the call's idToken; undefined without hooks or token (then everything is accepted). */
  private idTokenInfo(params: unknown, origin: IdTokenOrigin): object | undefined {
    const token = typeof params === 'object' && params !== null ? (params as { idToken?: unknown }).idToken : undefined;
    if (typeof token !== 'object' || token === null || this.hooks.authorize === undefined) return undefined;
    const { idToken, type } = token as { idToken?: unknown; type?: unknown };
    if (typeof idToken !== 'string') return undefined;
    return tokenInfo201(this.hooks.authorize({ chargerId: this.id, idToken, origin, ...(typeof type === 'string' ? { type } : {}) }));
  }

  private onBootNotification(connection: OcppConnection, call: InboundCall): object {
    const parsed = bootNotificationSchema.safeParse(call.params);
    if (parsed.success) {
      const station = parsed.data.chargingStation;
      this.boot = {
        vendor: station?.vendorName, model: station?.model, serialNumber: station?.serialNumber,
        firmwareVersion: station?.firmwareVersion, reason: parsed.data.reason,
      };
    } else {
      this.logger.warn({ issues: parsed.error.issues.length }, 'ocpp201: unreadable BootNotification; accepting anyway');
    }
    this.logger.info({ ...this.boot }, 'ocpp201: boot');
    this.bootWait?.abort();
    this.lastAcceptedKey = undefined;
    // Configure only once our answer is on the wire: a charger may ignore CALLs before its boot is accepted.
    void connection.afterReply(call.messageId).then((sent) => {
      if (sent) this.configure(connection);
    });
    return { status: 'Accepted', currentTime: isoTime(this.clock.nowMs()), interval: this.heartbeatIntervalS };
  }

  /** Reads the device model, then sets the measurands and interval; each step fails on its own, logged. */
  private configure(connection: OcppConnection): void {
    if (connection !== this.connection) return;
    const read = readDeviceModel(connection, this.logger, this.clock, this.model).then(() => {
      const capabilities = this.model.capabilities();
      this.logger.info({ ...capabilities, rateUnits: capabilities.rateUnits && [...capabilities.rateUnits] }, 'ocpp201: capabilities');
      if (capabilities.smartChargingEnabled === false) this.logger.warn('ocpp201: SmartChargingCtrlr is disabled; limits may be refused');
      // Limits wait for this (writeLimit awaits modelRead): stale profile cleared and safe default in, then limits.
      if (connection === this.connection) return this.failSafe?.install(connection, chooseRateUnit201(capabilities));
      return undefined;
    });
    this.modelRead = read;
    // Local list sync and the like queue behind the device-model read (one CALL at a time on the connection).
    void read.then(() => {
      if (connection === this.connection) this.hooks.online?.(this.id);
    });
    void read
      .then(() => configureSampledData(connection, this.logger, this.clock, this.model, this.txUpdatedIntervalS))
      .then(() => {
        if (!this.session.statusKnown && connection === this.connection) {
          return triggerStatusNotification(connection, this.logger, this.evseId, this.connectorId);
        }
        return undefined;
      })
      // Last: the inventory (NotifyReport parts, device-inventory.ts) matters to the installer, not to control.
      .then(() => (connection === this.connection ? requestBaseReport(connection, this.logger) : undefined));
  }

  /** For a charger that reconnects without booting (it only lost the network, or Sunplug restarted). */
  private configureWithoutBootAfterWait(connection: OcppConnection): void {
    const wait = new AbortController();
    this.bootWait = wait;
    this.clock.sleep(this.bootWaitMs, wait.signal).then(() => this.configure(connection), () => { /* boot came, or gone */ });
  }

  private emit(): void {
    const state = this.snapshot();
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (error) {
        this.logger.error({ err: error }, 'ocpp201: state listener failed');
      }
    }
  }

  private emitTransaction(event: TransactionEvent): void {
    for (const listener of this.transactionListeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error }, 'ocpp201: transaction listener failed');
      }
    }
  }
}
