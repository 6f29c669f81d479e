import { isVehicleConnectedStatus, type ChargerState } from '../../domain/charger-state.ts';
import type { TransactionEvent } from '../../domain/charging-session.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { TransactionIdSource } from '../transaction-ids.ts';
import {
  meterValuesSchema, parseIsoTime, startTransactionSchema, statusNotificationSchema, stopTransactionSchema,
} from './messages.ts';
import { parseMeterValues, type MeterSample } from './meter-values.ts';
import { mapOcpp16Status } from './status.ts';

export interface ConnectorSessionOptions {
  id: string;
  connectorId: number;
  clock: Clock;
  logger: Logger;
  transactionIds: TransactionIdSource;
  /** Called after every change of the state. */
  onChange: () => void;
  /** Called for every transaction start, meter update and stop, with the charger's own timestamps. */
  onTransaction?: (event: TransactionEvent) => void;
}

interface Transaction {
  id: number;
  idTag?: string;
  /** Energy register at the start, Wh; undefined for a transaction adopted from MeterValues. */
  meterStartWh?: number;
}

const ACK = {};

/**
 * What Sunplug knows about one 1.6 connector, built from the charger's StatusNotification, Start/StopTransaction and
 * MeterValues. Each `on*` method takes the raw payload, tolerates what it cannot read (logged) and returns the
 * CALLRESULT payload.
 */
export class ConnectorSession {
  private readonly state: ChargerState;
  private statusAtMs: number | undefined;
  private meterAtMs: number | undefined;
  private transaction: Transaction | undefined;

  constructor(private readonly options: ConnectorSessionOptions) {
    this.state = { id: options.id, connected: false, status: 'offline', vehicleConnected: false, powerW: 0 };
  }

  snapshot(): ChargerState {
    const copy = { ...this.state };
    if (this.state.phaseCurrentsA) copy.phaseCurrentsA = [...this.state.phaseCurrentsA];
    return copy;
  }

  /** True once the charger reported the connector's status on the current connection. */
  get statusKnown(): boolean {
    return this.statusAtMs !== undefined;
  }

  get idTag(): string | undefined {
    return this.transaction?.idTag;
  }

  /**
   * Online: 'unavailable' until the charger reports the connector status. Offline: 'offline'; meter values stay as
   * last measured, and their measuredAtMs tells the control loop how old they are.
   */
  setConnected(connected: boolean): void {
    this.statusAtMs = undefined;
    this.state.connected = connected;
    this.state.status = connected ? 'unavailable' : 'offline';
    this.state.vehicleConnected = false;
    this.options.onChange();
  }

  onStatusNotification(params: unknown): object {
    const parsed = statusNotificationSchema.safeParse(params);
    if (!parsed.success) {
      this.options.logger.warn({ issues: parsed.error.issues.length }, 'ocpp16: unreadable StatusNotification ignored');
      return ACK;
    }
    const { connectorId, status, errorCode, info, timestamp } = parsed.data;
    if (connectorId !== this.options.connectorId) {
      this.options.logger.debug({ connectorId, status }, 'ocpp16: status of another connector');
      return ACK;
    }
    const atMs = parseIsoTime(timestamp) ?? this.options.clock.nowMs();
    if (this.statusAtMs !== undefined && atMs < this.statusAtMs) return ACK; // delivered late; a newer one is applied
    const mapped = mapOcpp16Status(status);
    if (mapped === undefined) {
      this.options.logger.warn({ status }, 'ocpp16: unknown connector status ignored');
      return ACK;
    }
    if (errorCode !== undefined && errorCode !== 'NoError') this.options.logger.warn({ status, errorCode, info }, 'ocpp16: charger reports an error');
    this.statusAtMs = atMs;
    this.state.status = mapped;
    this.state.vehicleConnected = isVehicleConnectedStatus(mapped);
    if (mapped === 'available') {
      // No car: a transaction still open here was lost by the charger, and nothing can be drawn.
      this.clearTransaction();
      this.state.powerW = 0;
      if (this.state.phaseCurrentsA) this.state.phaseCurrentsA = this.state.phaseCurrentsA.map(() => 0);
    }
    this.options.onChange();
    return ACK;
  }

  onStartTransaction(params: unknown): object {
    const transactionId = this.options.transactionIds.take();
    const answer = { transactionId, idTagInfo: { status: 'Accepted' } };
    const parsed = startTransactionSchema.safeParse(params);
    if (!parsed.success) {
      this.options.logger.warn({ transactionId }, 'ocpp16: unreadable StartTransaction; accepted, energy unknown');
    } else if (parsed.data.connectorId !== this.options.connectorId) {
      this.options.logger.info({ connectorId: parsed.data.connectorId, transactionId }, 'ocpp16: transaction on another connector');
      return answer;
    }
    this.transaction = { id: transactionId, idTag: parsed.data?.idTag, meterStartWh: parsed.data?.meterStart };
    this.state.transactionId = String(transactionId);
    this.state.sessionEnergyWh = parsed.success ? 0 : undefined;
    this.options.onTransaction?.({
      kind: 'started', chargerId: this.options.id, transactionId: String(transactionId),
      atMs: parseIsoTime(parsed.data?.timestamp) ?? this.options.clock.nowMs(),
      ...(parsed.data ? { idTag: parsed.data.idTag, meterStartWh: parsed.data.meterStart } : {}),
    });
    this.options.logger.info({ transactionId, idTag: parsed.data?.idTag }, 'ocpp16: transaction started');
    this.options.onChange();
    return answer;
  }

  onStopTransaction(params: unknown): object {
    // Always Accepted, also for unknown or unreadable stops: the charger would otherwise retry them forever.
    const answer = { idTagInfo: { status: 'Accepted' } };
    const parsed = stopTransactionSchema.safeParse(params);
    if (!parsed.success) {
      this.options.logger.warn({ issues: parsed.error.issues.length }, 'ocpp16: unreadable StopTransaction acknowledged');
      return answer;
    }
    const { transactionId, meterStop, transactionData, reason, timestamp } = parsed.data;
    if (transactionData) this.applySamples(parseMeterValues(transactionData, (why) => this.logSkip(why)));
    const ended: TransactionEvent = {
      kind: 'ended', chargerId: this.options.id, transactionId: String(transactionId),
      atMs: parseIsoTime(timestamp) ?? this.options.clock.nowMs(),
      ...(meterStop !== undefined ? { meterStopWh: meterStop } : {}), ...(reason !== undefined ? { stopReason: reason } : {}),
    };
    if (this.transaction?.id !== transactionId) {
      // Perhaps a stop queued while Sunplug was down: the session store still closes its session.
      this.options.logger.info({ transactionId }, 'ocpp16: stop of an unknown transaction acknowledged');
      this.options.onTransaction?.(ended);
      return answer;
    }
    const startWh = this.transaction.meterStartWh;
    if (meterStop !== undefined && startWh !== undefined && meterStop >= startWh) this.state.sessionEnergyWh = meterStop - startWh;
    this.options.onTransaction?.({ ...ended, ...(this.state.sessionEnergyWh !== undefined ? { sessionEnergyWh: this.state.sessionEnergyWh } : {}) });
    this.clearTransaction();
    this.options.logger.info({ transactionId, reason, sessionEnergyWh: this.state.sessionEnergyWh }, 'ocpp16: transaction stopped');
    this.options.onChange();
    return answer;
  }

  onMeterValues(params: unknown): object {
    const parsed = meterValuesSchema.safeParse(params);
    if (!parsed.success) {
      this.options.logger.warn({ issues: parsed.error.issues.length }, 'ocpp16: unreadable MeterValues ignored');
      return ACK;
    }
    const { connectorId, transactionId, meterValue } = parsed.data;
    // Connector 0 is the whole station: on a one-connector wallbox that is the same meter.
    if (connectorId !== this.options.connectorId && connectorId !== 0) return ACK;
    if (transactionId !== undefined && this.transaction === undefined && connectorId === this.options.connectorId) {
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
      if (this.transaction !== undefined) {
        this.options.onTransaction?.({
          kind: 'meter', chargerId: this.options.id, transactionId: String(this.transaction.id), atMs: sample.atMs,
          ...(this.state.sessionEnergyWh !== undefined ? { sessionEnergyWh: this.state.sessionEnergyWh } : {}),
          ...(sample.powerW !== undefined ? { powerW: Math.max(0, sample.powerW) } : {}),
        });
      }
    }
    if (changed) this.options.onChange();
  }

  private updateSessionEnergy(energyWh: number): void {
    const transaction = this.transaction;
    if (transaction === undefined) return;
    if (transaction.meterStartWh === undefined || energyWh < transaction.meterStartWh) {
      // Adopted transaction, or a bogus meterStart (Zaptec sends 2147483647): count from the first register seen.
      if (transaction.meterStartWh !== undefined) this.options.logger.warn({ meterStartWh: transaction.meterStartWh, energyWh }, 'ocpp16: register below meterStart; rebasing');
      transaction.meterStartWh = energyWh;
    }
    this.state.sessionEnergyWh = energyWh - transaction.meterStartWh;
  }

  private clearTransaction(): void {
    this.transaction = undefined;
    this.state.transactionId = undefined;
  }

  private logSkip(why: string): void {
    this.options.logger.debug({ why }, 'ocpp16: meter value skipped');
  }
}
