import { isVehicleConnectedStatus, type ChargerState } from '../../domain/charger-state.ts';
import type { TransactionEvent } from '../../domain/charging-session.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import { parseIsoTime } from '../ocpp16/messages.ts';
import type { MeterSample } from '../ocpp16/meter-values.ts';
import { meterValuesSchema, statusNotificationSchema, transactionEventSchema, type TransactionEventRequest } from './messages.ts';
import { parseMeterValues201 } from './meter-values.ts';
import { isChargingState, isConnectorStatus, mapOcpp201Status, type ConnectorStatus201 } from './status.ts';
import { TransactionRecord, type TransactionEventEntry } from './transaction-record.ts';

export interface EvseSessionOptions {
  id: string;
  evseId: number;
  connectorId: number;
  clock: Clock;
  logger: Logger;
  /** Called after every change of the state. */
  onChange: () => void;
  /** Called for each transaction start, meter update and end (repeats dropped), in the charger's own time. */
  onTransaction: (event: TransactionEvent) => void;
  /** The car left or its transaction ended: what it asked for no longer applies. */
  onVehicleGone: () => void;
}

/** Transactions remembered after they ended, to recognise their late or repeated messages. */
const REMEMBERED_TRANSACTIONS = 16;

/**
 * What Sunplug knows about one 2.0.1 EVSE, built from StatusNotification, TransactionEvent and MeterValues. Each
 * `on*` method takes the raw payload, tolerates what it cannot read (logged) and returns the CALLRESULT payload.
 */
export class EvseSession {
  private readonly state: ChargerState;
  private connectorStatus: ConnectorStatus201 | undefined;
  private statusAtMs: number | undefined;
  private meterAtMs: number | undefined;
  private readonly transactions = new Map<string, TransactionRecord>();
  /** The open transaction on this EVSE. */
  private current: TransactionRecord | undefined;
  /** The transaction whose energy the state shows: the current one, or the last one that was current. */
  private shown: TransactionRecord | undefined;
  private endedWhileOccupied = false;

  constructor(private readonly options: EvseSessionOptions) {
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

  /** The idToken of the open transaction, for vehicle identification. */
  get idToken(): string | undefined {
    return this.current?.idToken;
  }

  /** The events of a transaction Sunplug has seen (the open one by default), in seqNo order. */
  transactionLog(transactionId?: string): readonly TransactionEventEntry[] {
    const record = transactionId === undefined ? this.current ?? this.shown : this.transactions.get(transactionId);
    return record?.events ?? [];
  }

  /**
   * Online: 'unavailable' until the charger reports the connector status. Offline: 'offline'; meter values stay as
   * last measured, and their measuredAtMs tells the control loop how old they are. The open transaction is kept: a
   * 2.0.1 charger goes on with it offline and reports it later.
   */
  setConnected(connected: boolean): void {
    this.statusAtMs = undefined;
    this.connectorStatus = undefined;
    this.state.connected = connected;
    if (connected) this.updateStatus();
    else {
      this.state.status = 'offline';
      this.state.vehicleConnected = false;
    }
    this.options.onChange();
  }

  onStatusNotification(params: unknown): object {
    const parsed = statusNotificationSchema.safeParse(params);
    if (!parsed.success) {
      this.options.logger.warn({ issues: parsed.error.issues.length }, 'ocpp201: unreadable StatusNotification ignored');
      return {};
    }
    const { evseId, connectorId, connectorStatus, timestamp } = parsed.data;
    if (evseId !== this.options.evseId || (connectorId !== undefined && connectorId !== this.options.connectorId)) {
      this.options.logger.debug({ evseId, connectorId, connectorStatus }, 'ocpp201: status of another EVSE or connector');
      return {};
    }
    if (!isConnectorStatus(connectorStatus)) {
      this.options.logger.warn({ connectorStatus }, 'ocpp201: unknown connector status ignored');
      return {};
    }
    const atMs = parseIsoTime(timestamp) ?? this.options.clock.nowMs();
    if (this.statusAtMs !== undefined && atMs < this.statusAtMs) return {}; // delivered late; a newer one is applied
    this.statusAtMs = atMs;
    this.connectorStatus = connectorStatus;
    if (connectorStatus === 'Available') {
      // No car: nothing can be drawn, and a finished session is over.
      this.endedWhileOccupied = false;
      this.state.powerW = 0;
      if (this.state.phaseCurrentsA) this.state.phaseCurrentsA = this.state.phaseCurrentsA.map(() => 0);
      this.options.onVehicleGone();
    }
    this.updateStatus();
    this.options.onChange();
    return {};
  }

  onTransactionEvent(params: unknown): object {
    const parsed = transactionEventSchema.safeParse(params);
    if (!parsed.success) {
      // Answered all the same: a charger that gets no answer re-sends the message, and it would not read better then.
      this.options.logger.warn({ issues: parsed.error.issues.map((issue) => issue.path.join('.')) }, 'ocpp201: unreadable TransactionEvent acknowledged');
      return {};
    }
    const event = parsed.data;
    // Sunplug authorises every idToken for now (as Authorize does); the answer must say so when a token came along.
    const answer = event.idToken !== undefined ? { idTokenInfo: { status: 'Accepted' } } : {};
    if (event.evse !== undefined && event.evse.id !== this.options.evseId) {
      this.options.logger.debug({ evseId: event.evse.id }, 'ocpp201: transaction on another EVSE');
      return answer;
    }
    const { transactionId } = event.transactionInfo;
    const record = this.recordFor(transactionId, event.eventType);
    const entry = this.entryOf(event);
    if (!record.add(entry)) {
      this.options.logger.debug({ transactionId, seqNo: event.seqNo }, 'ocpp201: repeated TransactionEvent acknowledged');
      return answer;
    }
    if (entry.offline) this.options.logger.info({ transactionId, seqNo: entry.seqNo, eventType: entry.eventType }, 'ocpp201: TransactionEvent queued while offline');
    if (event.idToken !== undefined) record.idToken = event.idToken.idToken;
    const samples = parseMeterValues201(event.meterValue ?? [], (why) => this.logSkip(why));
    record.noteRegisters(samples, event.eventType === 'Started');
    if (event.eventType !== 'Ended') this.adoptIfNewer(record);
    if (record === this.shown) this.applySamples(samples);
    // Ended after the samples: the end zeroes power even when the last sample still showed some.
    if (event.eventType === 'Ended') this.end(record, event);
    if (record === this.shown) this.state.sessionEnergyWh = record.sessionEnergyWh;
    this.updateStatus();
    this.report(record, event, entry, samples);
    this.options.onChange();
    return answer;
  }

  onMeterValues(params: unknown): object {
    const parsed = meterValuesSchema.safeParse(params);
    if (!parsed.success) {
      this.options.logger.warn({ issues: parsed.error.issues.length }, 'ocpp201: unreadable MeterValues ignored');
      return {};
    }
    const { evseId, meterValue } = parsed.data;
    // EVSE 0 is the whole station's meter: on a one-EVSE wallbox that is the same meter.
    if (evseId !== this.options.evseId && evseId !== 0) return {};
    const samples = parseMeterValues201(meterValue, (why) => this.logSkip(why));
    const current = this.current;
    if (current !== undefined) {
      current.noteRegisters(samples, false);
      this.state.sessionEnergyWh = current.sessionEnergyWh;
      const last = samples[samples.length - 1];
      if (last !== undefined) this.reportMeter(current, last.atMs, last.powerW);
    }
    this.applySamples(samples);
    this.options.onChange();
    return {};
  }

  private entryOf(event: TransactionEventRequest): TransactionEventEntry {
    const nowMs = this.options.clock.nowMs();
    const state = event.transactionInfo.chargingState;
    const entry: TransactionEventEntry = {
      eventType: event.eventType,
      atMs: parseIsoTime(event.timestamp) ?? nowMs,
      offline: event.offline === true,
      receivedAtMs: nowMs,
    };
    if (event.seqNo !== undefined) entry.seqNo = event.seqNo;
    if (event.triggerReason !== undefined) entry.triggerReason = event.triggerReason;
    if (state !== undefined) {
      if (isChargingState(state)) entry.chargingState = state;
      else this.options.logger.warn({ chargingState: state }, 'ocpp201: unknown charging state ignored');
    }
    return entry;
  }

  private recordFor(transactionId: string, eventType: TransactionEventRequest['eventType']): TransactionRecord {
    const known = this.transactions.get(transactionId);
    // A Started for a transaction that already ended is a new one under a reused id (a station that counts its ids
    // from 1 again after a reset): its seqNos start over, so it must not be taken for repeats of the old one.
    if (known !== undefined && !(eventType === 'Started' && known.ended)) return known;
    if (known !== undefined) this.options.logger.info({ transactionId }, 'ocpp201: transaction id reused by the charger');
    const record = new TransactionRecord(transactionId);
    this.transactions.delete(transactionId);
    this.transactions.set(transactionId, record);
    if (this.transactions.size > REMEMBERED_TRANSACTIONS) {
      const oldest = [...this.transactions.values()].find((r) => r !== this.current && r !== this.shown);
      if (oldest !== undefined) this.transactions.delete(oldest.id);
    }
    return record;
  }

  /**
   * Makes `record` the open transaction unless it has ended, or is older than the open one (a transaction the charger
   * ran while offline, reported late). A newer one replaces the open one: the charger lost that one's end.
   */
  private adoptIfNewer(record: TransactionRecord): void {
    if (record.ended || record === this.current) return;
    const current = this.current;
    if (current !== undefined && (record.startedAtMs ?? 0) < (current.startedAtMs ?? 0)) {
      this.options.logger.info({ transactionId: record.id, open: current.id }, 'ocpp201: late events of an older transaction recorded');
      return;
    }
    if (current !== undefined) this.options.logger.warn({ transactionId: record.id, replaced: current.id }, 'ocpp201: new transaction replaces one that never ended');
    else this.options.logger.info({ transactionId: record.id, idToken: record.idToken }, 'ocpp201: transaction open');
    this.current = record;
    this.shown = record;
    this.endedWhileOccupied = false;
  }

  private end(record: TransactionRecord, event: TransactionEventRequest): void {
    if (event.transactionInfo.stoppedReason !== undefined) record.stoppedReason = event.transactionInfo.stoppedReason;
    const missing = record.missingSeqNos();
    if (missing.length > 0) this.options.logger.warn({ transactionId: record.id, missing }, 'ocpp201: transaction ended with messages missing');
    if (this.current === undefined && this.shown !== record && (this.shown?.startedAtMs ?? 0) <= (record.startedAtMs ?? 0)) {
      // Started and ended while Sunplug was away: show its energy as the last session.
      this.shown = record;
    }
    if (this.current !== record) return;
    this.current = undefined;
    this.endedWhileOccupied = this.connectorStatus === 'Occupied';
    // The contactor opens with the end of the transaction.
    this.state.powerW = 0;
    if (this.state.phaseCurrentsA) this.state.phaseCurrentsA = this.state.phaseCurrentsA.map(() => 0);
    this.options.logger.info({ transactionId: record.id, reason: record.stoppedReason, sessionEnergyWh: record.sessionEnergyWh }, 'ocpp201: transaction ended');
    this.options.onVehicleGone();
  }

  private applySamples(samples: readonly MeterSample[]): void {
    for (const sample of samples) {
      // Sorted by time; anything older than what we already hold (e.g. queued offline) would move the state backwards.
      if (this.meterAtMs !== undefined && sample.atMs < this.meterAtMs) continue;
      this.meterAtMs = sample.atMs;
      this.state.measuredAtMs = sample.atMs;
      if (sample.powerW !== undefined) this.state.powerW = Math.max(0, sample.powerW);
      if (sample.phaseCurrentsA !== undefined) this.state.phaseCurrentsA = sample.phaseCurrentsA;
      if (sample.offeredCurrentA !== undefined) this.state.offeredCurrentA = sample.offeredCurrentA;
    }
  }

  private updateStatus(): void {
    if (!this.state.connected) return;
    const status = mapOcpp201Status({
      ...(this.connectorStatus !== undefined ? { connectorStatus: this.connectorStatus } : {}),
      ...(this.current?.chargingState !== undefined ? { chargingState: this.current.chargingState } : {}),
      transactionOpen: this.current !== undefined,
      endedWhileOccupied: this.endedWhileOccupied,
    });
    this.state.status = status;
    this.state.vehicleConnected = isVehicleConnectedStatus(status);
    this.state.transactionId = this.current?.id;
  }

  private report(record: TransactionRecord, event: TransactionEventRequest, entry: TransactionEventEntry, samples: readonly MeterSample[]): void {
    const base = { chargerId: this.options.id, transactionId: record.id, atMs: entry.atMs };
    const lastEnergy = [...samples].reverse().find((s) => s.energyWh !== undefined)?.energyWh;
    const lastPower = [...samples].reverse().find((s) => s.powerW !== undefined)?.powerW;
    if (event.eventType === 'Started') {
      this.options.onTransaction({ kind: 'started', ...base, ...optional('idTag', record.idToken), ...optional('meterStartWh', record.meterStartWh) });
    } else if (event.eventType === 'Updated') {
      if (lastEnergy !== undefined || lastPower !== undefined) this.reportMeter(record, entry.atMs, lastPower);
    } else {
      this.options.onTransaction({
        kind: 'ended', ...base, ...optional('meterStopWh', lastEnergy), ...optional('sessionEnergyWh', record.sessionEnergyWh),
        ...optional('stopReason', record.stoppedReason),
      });
    }
  }

  private reportMeter(record: TransactionRecord, atMs: number, powerW: number | undefined): void {
    this.options.onTransaction({
      kind: 'meter', chargerId: this.options.id, transactionId: record.id, atMs,
      ...optional('sessionEnergyWh', record.sessionEnergyWh), ...optional('powerW', powerW === undefined ? undefined : Math.max(0, powerW)),
    });
  }

  private logSkip(why: string): void {
    this.options.logger.debug({ why }, 'ocpp201: meter value skipped');
  }
}

/** `{ [key]: value }` when the value is known, `{}` otherwise (optional fields stay absent, not undefined). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Partial<Record<K, V>>);
}
