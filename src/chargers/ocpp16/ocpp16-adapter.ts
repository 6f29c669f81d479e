import { roundDownToTenth, type ChargeLimit } from '../../domain/charge-limit.ts';
import type { TransactionEvent } from '../../domain/charging-session.ts';
import type { ChargerState } from '../../domain/charger-state.ts';
import { powerForCurrentW } from '../../domain/electrical.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ApplyResult } from '../charger-adapter.ts';
import { describeCallFailure, type InboundCall, type OcppConnection } from '../ocpp-rpc-types.ts';
import type { ProtocolAdapter, ProtocolAdapterContext } from '../protocol-adapter.ts';
import { chooseRateUnit, type Ocpp16Capabilities } from './charger-configuration.ts';
import { configureMetering, readCapabilities, triggerStatusNotification } from './charger-setup.ts';
import { txDefaultProfileRequest } from './charging-profile.ts';
import { ConnectorSession } from './connector-session.ts';
import { bootNotificationSchema, isoTime, statusResponseSchema } from './messages.ts';

export interface Ocpp16AdapterOptions extends ProtocolAdapterContext {
  /** The connector Sunplug controls. Default 1 (one-connector home wallboxes). */
  connectorId?: number;
  /** MeterValueSampleInterval written after boot, s. Default 10. */
  meterValueSampleIntervalS?: number;
  /** Heartbeat interval granted in BootNotification, s. Default 60. */
  heartbeatIntervalS?: number;
  /** Fixed id of Sunplug's TxDefaultProfile, so each write replaces the last. Default 1001. */
  chargingProfileId?: number;
  /**
   * Stack level of that profile, capped by the charger's ChargeProfileMaxStackLevel. Default 1: level 0 stays free
   * for a fail-safe default profile beneath it (DESIGN.md safety model 3).
   */
  stackLevel?: number;
  /** A charger that reconnects without a BootNotification is configured after this long anyway, ms. Default 5000. */
  bootWaitMs?: number;
}

export interface Ocpp16BootInfo {
  vendor?: string;
  model?: string;
  serialNumber?: string;
  firmwareVersion?: string;
}

const ACK = {};

/** Sunplug's side of one OCPP 1.6J charger (connector 1 for now). See protocol-adapter.ts for its lifetime. */
export class Ocpp16Adapter implements ProtocolAdapter {
  readonly protocol = 'ocpp1.6';
  readonly id: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly voltageV: number;
  private readonly connectorId: number;
  private readonly meterValueSampleIntervalS: number;
  private readonly heartbeatIntervalS: number;
  private readonly chargingProfileId: number;
  private readonly stackLevel: number;
  private readonly bootWaitMs: number;

  private connection: OcppConnection | undefined;
  private readonly session: ConnectorSession;
  private boot: Ocpp16BootInfo = {};
  private caps: Ocpp16Capabilities = {};
  /** Settles (never rejects) when the capability read after boot has finished; applyLimit waits for it. */
  private capabilitiesRead: Promise<void> = Promise.resolve();
  /** Unit, value and phases of the last profile the charger accepted on the current connection. */
  private lastAcceptedKey: string | undefined;
  private applyQueue: Promise<unknown> = Promise.resolve();
  private bootWait: AbortController | undefined;
  private readonly listeners = new Set<(state: ChargerState) => void>();
  private readonly transactionListeners = new Set<(event: TransactionEvent) => void>();

  constructor(options: Ocpp16AdapterOptions) {
    this.id = options.id;
    this.clock = options.clock;
    this.logger = options.logger;
    this.voltageV = options.voltageV;
    this.connectorId = options.connectorId ?? 1;
    this.meterValueSampleIntervalS = options.meterValueSampleIntervalS ?? 10;
    this.heartbeatIntervalS = options.heartbeatIntervalS ?? 60;
    this.chargingProfileId = options.chargingProfileId ?? 1001;
    this.stackLevel = options.stackLevel ?? 1;
    this.bootWaitMs = options.bootWaitMs ?? 5000;
    this.session = new ConnectorSession({
      id: this.id, connectorId: this.connectorId, clock: this.clock, logger: this.logger,
      transactionIds: options.transactionIds, onChange: () => this.emit(),
      onTransaction: (event) => {
        for (const listener of this.transactionListeners) listener(event);
      },
    });
  }

  snapshot(): ChargerState {
    return this.session.snapshot();
  }

  onTransaction(listener: (event: TransactionEvent) => void): () => void {
    this.transactionListeners.add(listener);
    return () => this.transactionListeners.delete(listener);
  }

  onStateChange(listener: (state: ChargerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What the charger said in its last BootNotification. */
  get bootInfo(): Readonly<Ocpp16BootInfo> {
    return this.boot;
  }

  /** What the charger said in GetConfiguration after boot. */
  get capabilities(): Readonly<Ocpp16Capabilities> {
    return this.caps;
  }

  /** The idTag of the running transaction, for vehicle identification. */
  get idTag(): string | undefined {
    return this.session.idTag;
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
    this.session.setConnected(false);
    return true;
  }

  applyLimit(limit: ChargeLimit): Promise<ApplyResult> {
    // One write at a time, so 'unchanged' compares against what the charger really accepted last.
    const run = this.applyQueue.then(() => this.writeLimit(limit));
    this.applyQueue = run.catch(() => undefined);
    return run;
  }

  private async writeLimit(limit: ChargeLimit): Promise<ApplyResult> {
    if (limit.chargerId !== this.id) this.logger.warn({ limitFor: limit.chargerId }, 'ocpp16: limit for another charger');
    const connection = this.connection;
    if (connection === undefined) return { outcome: 'offline', detail: 'not connected' };
    await this.capabilitiesRead;
    if (connection !== this.connection) return { outcome: 'offline', detail: 'disconnected' };
    const unit = chooseRateUnit(this.caps);
    const currentA = Math.max(0, roundDownToTenth(limit.currentA));
    // A limits are per phase; W limits are the total over the phases in use (reference §2.1).
    const value = unit === 'A' ? currentA : roundDownToTenth(powerForCurrentW(currentA, limit.phases, this.voltageV));
    const key = `${unit}:${value}:${limit.phases}`;
    if (key === this.lastAcceptedKey) return { outcome: 'unchanged' };
    const request = txDefaultProfileRequest({
      connectorId: this.connectorId,
      chargingProfileId: this.chargingProfileId,
      stackLevel: Math.max(0, Math.min(this.stackLevel, this.caps.maxStackLevel ?? this.stackLevel)),
      startScheduleMs: this.clock.nowMs() - 60_000,
      unit,
      limit: value,
      numberPhases: limit.phases,
    });
    try {
      const parsed = statusResponseSchema.safeParse(await connection.call('SetChargingProfile', request));
      if (!parsed.success) return { outcome: 'failed', detail: 'unreadable SetChargingProfile response' };
      if (parsed.data.status !== 'Accepted') {
        this.logger.warn({ status: parsed.data.status, limit: value, unit }, 'ocpp16: charging profile not accepted');
        return { outcome: 'rejected', detail: parsed.data.status };
      }
      if (connection === this.connection) this.lastAcceptedKey = key;
      this.logger.debug({ limit: value, unit, phases: limit.phases, reason: limit.reason }, 'ocpp16: limit applied');
      return { outcome: 'applied', detail: `${value} ${unit}` };
    } catch (error) {
      const failure = describeCallFailure(error);
      this.logger.warn({ kind: failure.kind, detail: failure.detail }, 'ocpp16: SetChargingProfile failed');
      // A CALLERROR is the charger saying no: its previous profile still holds. Anything else leaves us not knowing.
      if (failure.kind === 'call-error') return { outcome: 'rejected', detail: failure.detail };
      if (connection === this.connection) this.lastAcceptedKey = undefined;
      if (failure.kind === 'not-connected' || connection !== this.connection) return { outcome: 'offline', detail: failure.detail };
      return { outcome: 'failed', detail: failure.detail };
    }
  }

  private registerHandlers(connection: OcppConnection): void {
    const handle = (method: string, handler: (call: InboundCall) => unknown): void =>
      connection.handle(method, async (call) => handler(call));
    handle('BootNotification', (call) => this.onBootNotification(connection, call));
    handle('Heartbeat', () => ({ currentTime: isoTime(this.clock.nowMs()) }));
    handle('StatusNotification', (call) => this.session.onStatusNotification(call.params));
    handle('Authorize', () => ({ idTagInfo: { status: 'Accepted' } }));
    handle('StartTransaction', (call) => this.session.onStartTransaction(call.params));
    handle('StopTransaction', (call) => this.session.onStopTransaction(call.params));
    handle('MeterValues', (call) => this.session.onMeterValues(call.params));
    handle('DataTransfer', () => ({ status: 'Accepted' }));
    handle('DiagnosticsStatusNotification', () => ACK);
    handle('FirmwareStatusNotification', () => ACK);
    // Anything else gets ocpp-rpc's NotImplemented CALLERROR.
  }

  private onBootNotification(connection: OcppConnection, call: InboundCall): object {
    const parsed = bootNotificationSchema.safeParse(call.params);
    if (parsed.success) {
      const p = parsed.data;
      this.boot = { vendor: p.chargePointVendor, model: p.chargePointModel, serialNumber: p.chargePointSerialNumber, firmwareVersion: p.firmwareVersion };
    } else {
      this.logger.warn({ issues: parsed.error.issues.length }, 'ocpp16: unreadable BootNotification; accepting anyway');
    }
    this.logger.info({ ...this.boot }, 'ocpp16: boot');
    this.bootWait?.abort();
    this.lastAcceptedKey = undefined;
    // Configure only once our answer is on the wire: a charger may ignore CALLs before its boot is accepted.
    void connection.afterReply(call.messageId).then((sent) => {
      if (sent) this.configure(connection);
    });
    return { status: 'Accepted', currentTime: isoTime(this.clock.nowMs()), interval: this.heartbeatIntervalS };
  }

  /** Reads capabilities, then sets the measurands and sample interval; each step fails on its own, logged. */
  private configure(connection: OcppConnection): void {
    if (connection !== this.connection) return;
    const read = readCapabilities(connection, this.logger).then((capabilities) => {
      if (capabilities !== undefined && connection === this.connection) this.caps = capabilities;
    });
    this.capabilitiesRead = read;
    void read
      .then(() => configureMetering(connection, this.logger, this.meterValueSampleIntervalS))
      .then(() => {
        if (!this.session.statusKnown && connection === this.connection) {
          return triggerStatusNotification(connection, this.logger, this.connectorId);
        }
        return undefined;
      });
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
        this.logger.error({ err: error }, 'ocpp16: state listener failed');
      }
    }
  }
}
