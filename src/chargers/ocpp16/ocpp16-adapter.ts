import { roundDownToTenth, type ChargeLimit } from '../../domain/charge-limit.ts';
import { isVehicleConnectedStatus, type ChargerState } from '../../domain/charger-state.ts';
import { powerForCurrentW } from '../../domain/electrical.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ApplyResult } from '../charger-adapter.ts';
import { describeCallFailure, type InboundCall, type OcppConnection } from '../ocpp-rpc-types.ts';
import type { ProtocolAdapter, ProtocolAdapterContext } from '../protocol-adapter.ts';
import type { TransactionIdSource } from '../transaction-ids.ts';
import { chooseRateUnit, type Ocpp16Capabilities } from './charger-configuration.ts';
import { configureMetering, readCapabilities, triggerStatusNotification } from './charger-setup.ts';
import { txDefaultProfileRequest } from './charging-profile.ts';
import {
  bootNotificationSchema, isoTime, meterValuesSchema,
  parseIsoTime, startTransactionSchema, statusNotificationSchema, statusResponseSchema, stopTransactionSchema,
} from './messages.ts';
import { parseMeterValues, type MeterSample } from './meter-values.ts';
import { mapOcpp16Status } from './status.ts';

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

interface Transaction {
  id: number;
  idTag?: string;
  /** Energy register at the start, Wh; undefined for a transaction adopted from MeterValues. */
  meterStartWh?: number;
}

const ACK = {};

/** Sunplug's side of one OCPP 1.6J charger (connector 1 for now). See protocol-adapter.ts for its lifetime. */
export class Ocpp16Adapter implements ProtocolAdapter {
  readonly protocol = 'ocpp1.6';
  readonly id: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly voltageV: number;
  private readonly transactionIds: TransactionIdSource;
  private readonly connectorId: number;
  private readonly meterValueSampleIntervalS: number;
  private readonly heartbeatIntervalS: number;
  private readonly chargingProfileId: number;
  private readonly stackLevel: number;
  private readonly bootWaitMs: number;

  private connection: OcppConnection | undefined;
  private state: ChargerState;
  private statusAtMs: number | undefined;
  private meterAtMs: number | undefined;
  private transaction: Transaction | undefined;
  private boot: Ocpp16BootInfo = {};
  private caps: Ocpp16Capabilities = {};
  /** Settles (never rejects) when the capability read after boot has finished; applyLimit waits for it. */
  private capabilitiesRead: Promise<void> = Promise.resolve();
  /** Unit, value and phases of the last profile the charger accepted on the current connection. */
  private lastAcceptedKey: string | undefined;
  private applyQueue: Promise<unknown> = Promise.resolve();
  private bootWait: AbortController | undefined;
  private readonly listeners = new Set<(state: ChargerState) => void>();

  constructor(options: Ocpp16AdapterOptions) {
    this.id = options.id;
    this.clock = options.clock;
    this.logger = options.logger;
    this.voltageV = options.voltageV;
    this.transactionIds = options.transactionIds;
    this.connectorId = options.connectorId ?? 1;
    this.meterValueSampleIntervalS = options.meterValueSampleIntervalS ?? 10;
    this.heartbeatIntervalS = options.heartbeatIntervalS ?? 60;
    this.chargingProfileId = options.chargingProfileId ?? 1001;
    this.stackLevel = options.stackLevel ?? 1;
    this.bootWaitMs = options.bootWaitMs ?? 5000;
    this.state = { id: this.id, connected: false, status: 'offline', vehicleConnected: false, powerW: 0 };
  }

  snapshot(): ChargerState {
    const copy = { ...this.state };
    if (this.state.phaseCurrentsA) copy.phaseCurrentsA = [...this.state.phaseCurrentsA];
    return copy;
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
    return this.transaction?.idTag;
  }

  attach(connection: OcppConnection): void {
    this.bootWait?.abort();
    this.connection = connection;
    // A new socket may follow a reboot that lost a non-persistent profile: the next limit is always written.
    this.lastAcceptedKey = undefined;
    this.statusAtMs = undefined;
    this.state.connected = true;
    this.state.status = 'unavailable'; // until the charger reports its connector status (triggered in configure)
    this.state.vehicleConnected = false;
    this.registerHandlers(connection);
    this.configureWithoutBootAfterWait(connection);
    this.emit();
  }

  detach(connection: OcppConnection): boolean {
    if (connection !== this.connection) return false;
    this.connection = undefined;
    this.bootWait?.abort();
    this.lastAcceptedKey = undefined;
    // Meter values stay as last measured; their measuredAtMs tells the control loop how old they are.
    this.state.connected = false;
    this.state.status = 'offline';
    this.state.vehicleConnected = false;
    this.emit();
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
    handle('StatusNotification', (call) => this.onStatusNotification(call.params));
    handle('Authorize', () => ({ idTagInfo: { status: 'Accepted' } }));
    handle('StartTransaction', (call) => this.onStartTransaction(call.params));
    handle('StopTransaction', (call) => this.onStopTransaction(call.params));
    handle('MeterValues', (call) => this.onMeterValues(call.params));
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

  private onStatusNotification(params: unknown): object {
    const parsed = statusNotificationSchema.safeParse(params);
    if (!parsed.success) {
      this.logger.warn({ issues: parsed.error.issues.length }, 'ocpp16: unreadable StatusNotification ignored');
      return ACK;
    }
    const { connectorId, status, errorCode, info, timestamp } = parsed.data;
    if (connectorId !== this.connectorId) {
      this.logger.debug({ connectorId, status }, 'ocpp16: status of another connector');
      return ACK;
    }
    const atMs = parseIsoTime(timestamp) ?? this.clock.nowMs();
    if (this.statusAtMs !== undefined && atMs < this.statusAtMs) return ACK; // delivered late; a newer one is applied
    const mapped = mapOcpp16Status(status);
    if (mapped === undefined) {
      this.logger.warn({ status }, 'ocpp16: unknown connector status ignored');
      return ACK;
    }
    if (errorCode !== undefined && errorCode !== 'NoError') this.logger.warn({ status, errorCode, info }, 'ocpp16: charger reports an error');
    this.statusAtMs = atMs;
    this.state.status = mapped;
    this.state.vehicleConnected = isVehicleConnectedStatus(mapped);
    if (mapped === 'available') {
      // No car: a transaction still open here was lost by the charger, and nothing can be drawn.
      this.clearTransaction();
      this.state.powerW = 0;
      if (this.state.phaseCurrentsA) this.state.phaseCurrentsA = this.state.phaseCurrentsA.map(() => 0);
    }
    this.emit();
    return ACK;
  }

  private onStartTransaction(params: unknown): object {
    const transactionId = this.transactionIds.take();
    const parsed = startTransactionSchema.safeParse(params);
    if (!parsed.success) {
      this.logger.warn({ transactionId }, 'ocpp16: unreadable StartTransaction; accepted, energy unknown');
    } else if (parsed.data.connectorId !== this.connectorId) {
      this.logger.info({ connectorId: parsed.data.connectorId, transactionId }, 'ocpp16: transaction on another connector');
      return { transactionId, idTagInfo: { status: 'Accepted' } };
    }
    this.transaction = { id: transactionId, idTag: parsed.data?.idTag, meterStartWh: parsed.data?.meterStart };
    this.state.transactionId = String(transactionId);
    this.state.sessionEnergyWh = parsed.success ? 0 : undefined;
    this.logger.info({ transactionId, idTag: parsed.data?.idTag }, 'ocpp16: transaction started');
    this.emit();
    return { transactionId, idTagInfo: { status: 'Accepted' } };
  }

  private onStopTransaction(params: unknown): object {
    const parsed = stopTransactionSchema.safeParse(params);
    if (!parsed.success) {
      this.logger.warn({ issues: parsed.error.issues.length }, 'ocpp16: unreadable StopTransaction acknowledged');
      return { idTagInfo: { status: 'Accepted' } };
    }
    const { transactionId, meterStop, transactionData, reason } = parsed.data;
    if (transactionData) this.applySamples(parseMeterValues(transactionData, (why) => this.logSkip(why)));
    if (this.transaction?.id === transactionId) {
      const startWh = this.transaction.meterStartWh;
      if (meterStop !== undefined && startWh !== undefined && meterStop >= startWh) this.state.sessionEnergyWh = meterStop - startWh;
      this.clearTransaction();
      this.logger.info({ transactionId, reason, sessionEnergyWh: this.state.sessionEnergyWh }, 'ocpp16: transaction stopped');
      this.emit();
    } else {
      this.logger.info({ transactionId }, 'ocpp16: stop of an unknown transaction acknowledged');
    }
    // Always Accepted, also for unknown transactions: the charger would otherwise retry it forever.
    return { idTagInfo: { status: 'Accepted' } };
  }

  private onMeterValues(params: unknown): object {
    const parsed = meterValuesSchema.safeParse(params);
    if (!parsed.success) {
      this.logger.warn({ issues: parsed.error.issues.length }, 'ocpp16: unreadable MeterValues ignored');
      return ACK;
    }
    const { connectorId, transactionId, meterValue } = parsed.data;
    // Connector 0 is the whole station: on a one-connector wallbox that is the same meter.
    if (connectorId !== this.connectorId && connectorId !== 0) return ACK;
    if (transactionId !== undefined && this.transaction === undefined && connectorId === this.connectorId) {
      // A transaction that began before Sunplug (re)started: adopt it; its start energy is unknown.
      this.transaction = { id: transactionId };
      this.state.transactionId = String(transactionId);
    }
    this.applySamples(parseMeterValues(meterValue, (why) => this.logSkip(why)));
    return ACK;
  }

  private applySamples(samples: readonly MeterSample[]): void {
    let changed = false;
    for (const sample of samples) {
      // Sorted by time; anything older than what we already hold would move the state backwards.
      if (this.meterAtMs !== undefined && sample.atMs < this.meterAtMs) continue;
      this.meterAtMs = sample.atMs;
      this.state.measuredAtMs = sample.atMs;
      if (sample.powerW !== undefined) this.state.powerW = Math.max(0, sample.powerW);
      if (sample.phaseCurrentsA !== undefined) this.state.phaseCurrentsA = sample.phaseCurrentsA;
      if (sample.offeredCurrentA !== undefined) this.state.offeredCurrentA = sample.offeredCurrentA;
      if (sample.energyWh !== undefined) this.updateSessionEnergy(sample.energyWh);
      changed = true;
    }
    if (changed) this.emit();
  }

  private updateSessionEnergy(energyWh: number): void {
    const transaction = this.transaction;
    if (transaction === undefined) return;
    if (transaction.meterStartWh === undefined || energyWh < transaction.meterStartWh) {
      // Adopted transaction, or a bogus meterStart (Zaptec sends 2147483647): count from the first register seen.
      if (transaction.meterStartWh !== undefined) this.logger.warn({ meterStartWh: transaction.meterStartWh, energyWh }, 'ocpp16: register below meterStart; rebasing');
      transaction.meterStartWh = energyWh;
    }
    this.state.sessionEnergyWh = energyWh - transaction.meterStartWh;
  }

  private clearTransaction(): void {
    this.transaction = undefined;
    this.state.transactionId = undefined;
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
        if (this.statusAtMs === undefined && connection === this.connection) {
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

  private logSkip(why: string): void {
    this.logger.debug({ why }, 'ocpp16: meter value skipped');
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
