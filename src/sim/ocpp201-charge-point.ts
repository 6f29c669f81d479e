import { setChargingProfile201RequestSchema, type ChargingProfile201 } from '../chargers/ocpp201/charging-profile.ts';
import type { ChargingState201 } from '../chargers/ocpp201/status.ts';
import { isoTime } from '../chargers/ocpp16/messages.ts';
import { describeCallFailure, OcppClientConnection, rpcError, type InboundCall } from '../chargers/ocpp-rpc-types.ts';
import type { Clock } from '../platform/clock.ts';
import { silentLogger, type Logger } from '../platform/logger.ts';
import { ChargerMaintenance } from './charger-maintenance.ts';
import { ChargingProfileStack, type TransactionContext } from './charging-profile-stack.ts';
import { ElectricVehicle, type ElectricVehicleOptions } from './electric-vehicle.ts';
import { sampledValues } from './meter-sample.ts';
import {
  bootNotificationResponseSchema, clearChargingProfileRequestSchema, getCompositeScheduleRequestSchema, getVariablesRequestSchema,
  idTokenInfoResponseSchema, requestStartTransactionRequestSchema, requestStopTransactionRequestSchema, setVariablesRequestSchema,
  triggerMessageRequestSchema,
} from './ocpp201-csms-messages.ts';
import { toStackProfile } from './ocpp201-profiles.ts';
import { StationVariables } from './ocpp201-station-variables.ts';
import { WallboxOutlet } from './wallbox-outlet.ts';

/**
 * SIMULATOR: an OCPP 2.0.1 charging station with one EVSE and one connector, for the demo and for tests. It speaks
 * the real protocol over a real WebSocket (ocpp-rpc's RPCClient in strict mode, so a schema-invalid frame from the
 * CSMS is refused as a strict station would), keeps charging profiles with the same stacking rules as the 1.6
 * simulator, drives the same simulated car, and queues its TransactionEvents while the line is down, sending them
 * later in order with offline = true. All time comes from the injected Clock.
 */

export interface SimulatedChargingStation201Options {
  id: string;
  /** CSMS URL without the identity, e.g. ws://127.0.0.1:8887/ocpp. */
  url: string;
  clock: Clock;
  /** Phase-to-neutral voltage the simulated meter reports, V. */
  voltageV: number;
  logger?: Logger;
  /** Phases wired to the station. Default 3. */
  phases?: 1 | 3;
  /** Hardware maximum per phase, A. Default 16. */
  maxCurrentA?: number;
  /** idToken for transactions the station starts itself. Default 'SIMULATED'. */
  idToken?: string;
  /** Plugging in starts a transaction without RequestStartTransaction. Default true. */
  autoStart?: boolean;
  /** Device-model values replacing the defaults, `Component.Variable[instance]` (see ocpp201-station-variables.ts). */
  variables?: Readonly<Record<string, string>>;
  /** Car physics step, ms. Default 1000. */
  tickMs?: number;
  /** Car used by plugIn() without an argument. */
  vehicle?: ElectricVehicleOptions;
  /** An ISO 15118 car: after plug-in the station sends its needs (NotifyEVChargingNeeds). */
  chargingNeeds?: { energyAmountWh: number; departureInMs?: number };
  vendor?: string;
  model?: string;
  /** Basic-auth password (security profile 1). */
  password?: string;
  /** First reconnect delay after the line drops, ms (real time, inside ocpp-rpc). Default 1000. */
  reconnectDelayMs?: number;
}

/** A CALL the CSMS made and what the simulator answered, for tests and the demo log. */
export interface HandledRequest201 {
  action: string;
  payload: unknown;
  response: unknown;
}

interface Transaction extends TransactionContext {
  wireId: string;
  idToken: string;
  /** seqNo of the next TransactionEvent of this transaction. */
  nextSeqNo: number;
  reportedState: ChargingState201 | undefined;
}

interface Reply {
  response: object;
  then?: () => Promise<unknown> | void;
}

const EVSE_ID = 1;
const CONNECTOR_ID = 1;
/** WebSocket readyState OPEN, as ocpp-rpc's client reports it in `state`. */
const OPEN = 1;

/**
 * ocpp-rpc's client, plus the line state: a station must know it is offline to queue its TransactionEvents with
 * offline = true. (ocpp-rpc would buffer calls made while it reconnects, but cannot flag them.)
 */
class StationConnection extends OcppClientConnection {
  get isOpen(): boolean {
    return this.client.state === OPEN;
  }
}
const TRIGGERABLE = ['BootNotification', 'Heartbeat', 'MeterValues', 'StatusNotification', 'TransactionEvent'];

export class SimulatedChargingStation201 {
  readonly id: string;
  readonly variables: StationVariables;
  readonly profiles: ChargingProfileStack;
  /** Local list, firmware, logs, reset, unlock, availability, reservations (shared with the 1.6 simulator). */
  readonly maintenance: ChargerMaintenance;
  private readonly options: SimulatedChargingStation201Options;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly connection: StationConnection;
  private readonly outlet: WallboxOutlet;
  private transaction: Transaction | undefined;
  private transactionCounter = 0;
  private pendingRemoteStart: { idToken: string; remoteStartId: number; profile?: ChargingProfile201 } | undefined;
  /** TransactionEvents not yet delivered, oldest first (spec E: sent in order once the line is back). */
  private readonly queue: Array<Record<string, unknown>> = [];
  private flushing = false;
  private readonly timers = new Map<'tick' | 'meter' | 'heartbeat', () => void>();
  private readonly stopping = new AbortController();
  private readonly requestListeners = new Set<(request: HandledRequest201) => void>();

  constructor(options: SimulatedChargingStation201Options) {
    this.options = options;
    this.id = options.id;
    this.clock = options.clock;
    this.logger = (options.logger ?? silentLogger()).child({ simulatedChargePoint: options.id });
    this.variables = new StationVariables(options.variables);
    const phases = options.phases ?? 3;
    this.profiles = new ChargingProfileStack({
      maxStackLevel: this.variables.integer('SmartChargingCtrlr.ProfileStackLevel', 8),
      maxProfiles: this.variables.integer('SmartChargingCtrlr.Entries[ChargingProfiles]', 10),
      numberOfConnectors: 1,
      chargerPhases: phases,
      voltageV: options.voltageV,
    });
    this.outlet = new WallboxOutlet({
      connectorId: EVSE_ID, clock: this.clock, profiles: this.profiles, phases,
      maxCurrentA: options.maxCurrentA ?? 16, voltageV: options.voltageV,
    });
    this.connection = new StationConnection({
      identity: options.id,
      endpoint: options.url,
      protocols: ['ocpp2.0.1'],
      logger: this.logger,
      reconnect: true,
      strictMode: true,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.reconnectDelayMs !== undefined ? { reconnectDelayMs: options.reconnectDelayMs } : {}),
    });
    this.variables.onChange((key) => {
      if (key === 'SampledDataCtrlr.TxUpdatedInterval') this.scheduleMeterValues();
      if (key === 'OCPPCommCtrlr.HeartbeatInterval') this.scheduleHeartbeat();
    });
    this.maintenance = new ChargerMaintenance({
      protocol: 'ocpp2.0.1', clock: this.clock, logger: this.logger, send: (action, payload) => this.send(action, payload),
      busy: () => this.transaction !== undefined, statusChanged: () => void this.sendStatus(),
    });
    this.registerHandlers();
  }

  /** Connects, boots (retrying while the CSMS says Pending) and reports the connector status. */
  async start(): Promise<void> {
    await this.connection.connect();
    this.connection.onOpen(() => {
      // After a reconnect: deliver what was queued, then say where things stand.
      void this.flush().then(() => this.sendStatus());
    });
    await this.boot();
    this.outlet.step(); // no energy for the time before start
    this.timers.set('tick', this.clock.every(this.options.tickMs ?? 1000, () => this.tick()));
    this.scheduleMeterValues();
    await this.sendStatus();
  }

  /** Ends the clock timers and closes the socket, like a power cut: a running transaction is not ended. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const clear of this.timers.values()) clear();
    this.timers.clear();
    await this.connection.close({ code: 1000, reason: 'Simulator stopped' });
  }

  /** A car is plugged in: Occupied, then (with autoStart or a pending remote start) a transaction. */
  async plugIn(vehicle: ElectricVehicle | ElectricVehicleOptions = this.options.vehicle ?? {}): Promise<void> {
    if (this.outlet.car !== undefined) throw new Error('a car is already plugged in');
    this.outlet.plug(vehicle instanceof ElectricVehicle ? vehicle : new ElectricVehicle(vehicle));
    await this.sendStatus();
    const remote = this.pendingRemoteStart;
    this.pendingRemoteStart = undefined;
    if (remote !== undefined) await this.startTransaction(remote.idToken, 'RemoteStart', remote.remoteStartId, remote.profile);
    else if (this.options.autoStart !== false) await this.startTransaction(this.options.idToken ?? 'SIMULATED', 'CablePluggedIn');
    const needs = this.options.chargingNeeds;
    if (needs !== undefined) await this.sendChargingNeeds(needs);
  }

  /**
   * A card held to the reader with a car plugged in (autoStart off): online the CSMS decides (Authorize), offline the
   * local list does and the TransactionEvents wait in the queue (offline = true). Returns the verdict.
   */
  async presentCard(idToken: string): Promise<string> {
    if (this.outlet.car === undefined || this.transaction !== undefined) return 'Rejected';
    if (this.connection.isOpen) {
      await this.startTransaction(idToken, 'Authorized');
      return this.transaction !== undefined ? 'Accepted' : 'Invalid';
    }
    const status = this.maintenance.lookup(idToken) ?? 'Invalid';
    if (status === 'Accepted') await this.startTransaction(idToken, 'Authorized', undefined, undefined, false);
    return this.transaction !== undefined ? 'Accepted' : status;
  }

  /** The car leaves: the transaction ends (EVDisconnected) and the connector becomes Available. */
  async unplug(): Promise<void> {
    if (this.outlet.car === undefined) return;
    this.outlet.plug(undefined);
    if (this.transaction !== undefined) await this.stopTransaction('EVCommunicationLost', 'EVDisconnected');
    await this.sendStatus();
  }

  get connectorStatus(): 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' {
    if (this.outlet.car !== undefined) return 'Occupied';
    return !this.maintenance.operative ? 'Unavailable' : this.maintenance.reserved ? 'Reserved' : 'Available';
  }

  /** The open transaction's charging state; undefined without one. */
  get chargingState(): ChargingState201 | undefined {
    return this.transaction !== undefined ? this.desiredChargingState() : undefined;
  }

  get vehicle(): ElectricVehicle | undefined {
    return this.outlet.car;
  }

  get transactionId(): string | undefined {
    return this.transaction?.wireId;
  }

  /** TransactionEvents waiting for the line to come back. */
  get queuedEvents(): number {
    return this.queue.length;
  }

  get offeredCurrentA(): number {
    return this.outlet.offeredCurrentA;
  }

  get activePhases(): number {
    return this.outlet.activePhases;
  }

  get drawnCurrentA(): number {
    return this.outlet.drawnCurrentA;
  }

  get phaseCurrentsA(): number[] {
    return this.outlet.phaseCurrentsA;
  }

  get powerW(): number {
    return this.outlet.powerW;
  }

  get energyWh(): number {
    return this.outlet.energyWh;
  }

  /** Called after each CSMS request was answered. */
  onRequest(listener: (request: HandledRequest201) => void): () => void {
    this.requestListeners.add(listener);
    return () => this.requestListeners.delete(listener);
  }

  /** Sends a TransactionEvent Updated with the configured measurands (MeterValuePeriodic or Trigger). */
  async sendMeterValues(triggerReason: 'MeterValuePeriodic' | 'Trigger' = 'MeterValuePeriodic'): Promise<void> {
    if (this.transaction === undefined) {
      const meterValue = this.meterValue('SampledDataCtrlr.TxUpdatedMeasurands', triggerReason === 'Trigger' ? 'Trigger' : 'Sample.Periodic');
      if (meterValue !== undefined) await this.send('MeterValues', { evseId: EVSE_ID, meterValue: [meterValue] });
      return;
    }
    await this.transactionEvent('Updated', triggerReason, { measurands: 'SampledDataCtrlr.TxUpdatedMeasurands', context: triggerReason === 'Trigger' ? 'Trigger' : 'Sample.Periodic' });
  }

  private tick(): void {
    this.outlet.step();
    // A profile may have expired, the battery may be full, the car may have paused.
    const transaction = this.transaction;
    if (transaction !== undefined && this.desiredChargingState() !== transaction.reportedState) {
      void this.transactionEvent('Updated', 'ChargingStateChanged');
    }
  }

  private desiredChargingState(): ChargingState201 {
    const car = this.outlet.car;
    if (car === undefined) return 'Idle';
    if (this.outlet.offeredCurrentA === 0) return 'SuspendedEVSE';
    return car.isFull ? 'SuspendedEV' : 'Charging';
  }

  private async sendStatus(): Promise<void> {
    // Offline the status is not queued: the station reports where it stands when the line is back (onOpen).
    if (!this.connection.isOpen) return;
    await this.send('StatusNotification', { timestamp: isoTime(this.clock.nowMs()), connectorStatus: this.connectorStatus, evseId: EVSE_ID, connectorId: CONNECTOR_ID });
  }

  private async boot(): Promise<void> {
    for (;;) {
      const response = bootNotificationResponseSchema.parse(await this.connection.call('BootNotification', {
        reason: 'PowerUp',
        chargingStation: { vendorName: this.options.vendor ?? 'Sunplug', model: this.options.model ?? 'Simulated 2.0.1', firmwareVersion: 'sim-201' },
      }));
      const intervalS = Math.max(1, response.interval);
      if (response.status === 'Accepted') {
        // The variable's change listener (re)starts the heartbeat timer.
        this.variables.write('OCPPCommCtrlr', 'HeartbeatInterval', undefined, String(intervalS));
        return;
      }
      this.logger.info({ status: response.status }, 'sim201: boot not accepted; retrying');
      await this.clock.sleep(intervalS * 1000, this.stopping.signal);
    }
  }

  private scheduleHeartbeat(): void {
    this.timers.get('heartbeat')?.();
    const intervalS = this.variables.integer('OCPPCommCtrlr.HeartbeatInterval', 60);
    if (intervalS > 0) this.timers.set('heartbeat', this.clock.every(intervalS * 1000, async () => {
      await this.send('Heartbeat', {});
    }));
  }

  private scheduleMeterValues(): void {
    this.timers.get('meter')?.();
    this.timers.delete('meter');
    const intervalS = this.variables.integer('SampledDataCtrlr.TxUpdatedInterval', 0);
    if (intervalS <= 0 || !this.timers.has('tick')) return;
    this.timers.set('meter', this.clock.every(intervalS * 1000, async () => {
      if (this.transaction !== undefined) await this.sendMeterValues();
    }));
  }

  private async startTransaction(
    idToken: string, triggerReason: 'CablePluggedIn' | 'RemoteStart' | 'Authorized', remoteStartId?: number, profile?: ChargingProfile201, askCsms = true,
  ): Promise<void> {
    if (!this.maintenance.admits(idToken)) {
      this.logger.info({ idToken }, 'sim201: EVSE reserved for another token');
      return;
    }
    if (triggerReason !== 'RemoteStart' && askCsms) {
      // A remote start was authorised by the CSMS already (AuthorizeRemoteStart = false).
      const authorize = idTokenInfoResponseSchema.safeParse(await this.send('Authorize', { idToken: { idToken, type: 'ISO14443' } }));
      if (!authorize.success || authorize.data.idTokenInfo.status !== 'Accepted') {
        this.logger.info({ idToken }, 'sim201: idToken not accepted; no transaction');
        return;
      }
    }
    const startedAtMs = this.clock.nowMs();
    const id = ++this.transactionCounter;
    // Unique across simulator restarts as long as two transactions do not start in the same second.
    const wireId = `${this.id}-${Math.floor(startedAtMs / 1000)}-${id}`;
    this.transaction = { id, wireId, startedAtMs, idToken, nextSeqNo: 0, reportedState: undefined };
    this.outlet.energise(this.transaction);
    if (profile !== undefined) {
      // The RequestStartTransaction profile is a TxProfile for the transaction it starts (spec F01).
      const converted = toStackProfile({ ...profile, transactionId: wireId }, this.transaction);
      if ('profile' in converted) this.profiles.install(EVSE_ID, converted.profile, startedAtMs, this.transaction);
    }
    await this.transactionEvent('Started', triggerReason, {
      measurands: 'SampledDataCtrlr.TxStartedMeasurands', context: 'Transaction.Begin', idToken,
      ...(remoteStartId !== undefined ? { remoteStartId } : {}),
    });
  }

  private async stopTransaction(triggerReason: 'EVCommunicationLost' | 'RemoteStop', stoppedReason: 'EVDisconnected' | 'Remote'): Promise<void> {
    const transaction = this.transaction;
    if (transaction === undefined) return;
    const event = this.transactionEventPayload(transaction, 'Ended', triggerReason, { measurands: 'SampledDataCtrlr.TxEndedMeasurands', context: 'Transaction.End', stoppedReason });
    this.transaction = undefined;
    this.outlet.energise(undefined);
    this.profiles.removeTxProfiles(EVSE_ID);
    await this.deliver(event);
  }

  private async transactionEvent(
    eventType: 'Started' | 'Updated', triggerReason: string,
    extra: { measurands?: string; context?: string; idToken?: string; remoteStartId?: number } = {},
  ): Promise<void> {
    const transaction = this.transaction;
    if (transaction === undefined) return;
    await this.deliver(this.transactionEventPayload(transaction, eventType, triggerReason, extra));
  }

  private transactionEventPayload(
    transaction: Transaction, eventType: 'Started' | 'Updated' | 'Ended', triggerReason: string,
    extra: { measurands?: string; context?: string; idToken?: string; remoteStartId?: number; stoppedReason?: string },
  ): Record<string, unknown> {
    const chargingState = eventType === 'Ended' ? (this.outlet.car !== undefined ? 'EVConnected' : 'Idle') : this.desiredChargingState();
    transaction.reportedState = chargingState;
    const meterValue = extra.measurands !== undefined ? this.meterValue(extra.measurands, extra.context ?? 'Sample.Periodic') : undefined;
    return {
      eventType,
      timestamp: isoTime(this.clock.nowMs()),
      triggerReason,
      seqNo: transaction.nextSeqNo++,
      transactionInfo: {
        transactionId: transaction.wireId,
        chargingState,
        ...(extra.stoppedReason !== undefined ? { stoppedReason: extra.stoppedReason } : {}),
        ...(extra.remoteStartId !== undefined ? { remoteStartId: extra.remoteStartId } : {}),
      },
      ...(eventType === 'Started' ? { evse: { id: EVSE_ID, connectorId: CONNECTOR_ID } } : {}),
      ...(extra.idToken !== undefined ? { idToken: { idToken: extra.idToken, type: 'ISO14443' } } : {}),
      numberOfPhasesUsed: this.outlet.activePhases,
      ...(meterValue !== undefined ? { meterValue: [meterValue] } : {}),
    };
  }

  /** Queues the event and sends the queue in order; while the line is down the events wait, marked offline. */
  private async deliver(event: Record<string, unknown>): Promise<void> {
    this.queue.push(event);
    await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let event = this.queue[0]; event !== undefined; event = this.queue[0]) {
        if (!this.connection.isOpen) {
          // Kept with its original timestamp and seqNo until the line is back (onOpen flushes again).
          for (const waiting of this.queue) waiting.offline = true;
          return;
        }
        try {
          await this.connection.call('TransactionEvent', event);
        } catch (error) {
          const failure = describeCallFailure(error);
          if (failure.kind === 'not-connected') {
            // The line dropped during the call: sent again later; if the CSMS did get it, it is a repeat to it.
            for (const waiting of this.queue) waiting.offline = true;
            return;
          }
          // A real station retries a few times (TransactionEvent retry settings); the simulator drops it after logging.
          this.logger.warn({ detail: failure.detail }, 'sim201: TransactionEvent not accepted; dropped');
        }
        this.queue.shift();
      }
    } finally {
      this.flushing = false;
    }
  }

  private meterValue(measurandsKey: string, context: string): { timestamp: string; sampledValue: object[] } | undefined {
    const car = this.outlet.car;
    const values = sampledValues(this.variables.items(measurandsKey), context, {
      energyWh: this.outlet.energyWh,
      powerW: this.outlet.powerW,
      offeredCurrentA: this.outlet.offeredCurrentA,
      phaseCurrentsA: this.outlet.phaseCurrentsA,
      voltageV: this.options.voltageV,
      ...(car ? { socPct: car.socPct } : {}),
    });
    if (values.length === 0) return undefined;
    // The same readings in 2.0.1 form: a JSON number, and the unit inside unitOfMeasure.
    const sampledValue = values.map(({ value, unit, ...rest }) => ({ ...rest, value: Number(value), ...(unit !== undefined ? { unitOfMeasure: { unit } } : {}) }));
    return { timestamp: isoTime(this.clock.nowMs()), sampledValue };
  }

  private async sendChargingNeeds(needs: { energyAmountWh: number; departureInMs?: number }): Promise<void> {
    const car = this.outlet.car;
    if (car === undefined) return;
    await this.send('NotifyEVChargingNeeds', {
      evseId: EVSE_ID,
      chargingNeeds: {
        requestedEnergyTransfer: car.phases === 1 ? 'AC_single_phase' : car.phases === 2 ? 'AC_two_phase' : 'AC_three_phase',
        ...(needs.departureInMs !== undefined ? { departureTime: isoTime(this.clock.nowMs() + needs.departureInMs) } : {}),
        acChargingParameters: {
          energyAmount: Math.round(needs.energyAmountWh),
          evMinCurrent: Math.round(car.minCurrentA),
          evMaxCurrent: Math.round(car.maxCurrentA),
          evMaxVoltage: Math.round(this.options.voltageV * 1.1),
        },
      },
    });
  }

  /** A CALL to the CSMS; failures are logged, never thrown (a real station keeps running). */
  private async send(action: string, payload: object): Promise<unknown> {
    try {
      return await this.connection.call(action, payload);
    } catch (error) {
      this.logger.warn({ action, detail: describeCallFailure(error).detail }, 'sim201: call failed');
      return undefined;
    }
  }

  private registerHandlers(): void {
    const on = (action: string, handler: (params: unknown) => Reply): void => {
      this.connection.handle(action, async (call: InboundCall) => {
        const { response, then } = handler(call.params);
        if (then !== undefined) void this.connection.afterReply(call.messageId).then((sent) => (sent ? then() : undefined));
        for (const listener of this.requestListeners) listener({ action, payload: call.params, response });
        return response;
      });
    };
    on('GetVariables', (params) => ({
      response: {
        getVariableResult: parse(getVariablesRequestSchema, params).getVariableData.map(({ component, variable }) => {
          const { status, value } = this.variables.read(component.name, variable.name, variable.instance);
          return { attributeStatus: status, ...(value !== undefined ? { attributeValue: value } : {}), component, variable };
        }),
      },
    }));
    on('SetVariables', (params) => ({
      response: {
        setVariableResult: parse(setVariablesRequestSchema, params).setVariableData.map(({ component, variable, attributeValue }) => ({
          attributeStatus: this.variables.write(component.name, variable.name, variable.instance, attributeValue), component, variable,
        })),
      },
    }));
    on('SetChargingProfile', (params) => ({ response: this.setChargingProfile(params), then: () => this.tick() }));
    on('ClearChargingProfile', (params) => {
      const { chargingProfileId, chargingProfileCriteria: criteria } = parse(clearChargingProfileRequestSchema, params);
      const purpose = criteria?.chargingProfilePurpose === 'ChargingStationMaxProfile' ? 'ChargePointMaxProfile' : criteria?.chargingProfilePurpose;
      const removed = purpose === 'ChargingStationExternalConstraints' ? false : this.profiles.clear({
        id: chargingProfileId, connectorId: criteria?.evseId, purpose, stackLevel: criteria?.stackLevel,
      });
      return { response: { status: removed ? 'Accepted' : 'Unknown' }, then: () => this.tick() };
    });
    on('GetCompositeSchedule', (params) => ({ response: this.compositeSchedule(params) }));
    on('RequestStartTransaction', (params) => this.remoteStart(params));
    on('RequestStopTransaction', (params) => {
      const accepted = parse(requestStopTransactionRequestSchema, params).transactionId === this.transaction?.wireId;
      return {
        response: { status: accepted ? 'Accepted' : 'Rejected' },
        then: () => (accepted ? this.stopTransaction('RemoteStop', 'Remote') : undefined),
      };
    });
    for (const [action, handler] of this.maintenance.handlers()) on(action, handler);
    on('TriggerMessage', (params) => {
      const { requestedMessage } = parse(triggerMessageRequestSchema, params);
      if (!TRIGGERABLE.includes(requestedMessage)) return { response: { status: 'NotImplemented' } };
      if (requestedMessage === 'TransactionEvent' && this.transaction === undefined) return { response: { status: 'Rejected' } };
      return { response: { status: 'Accepted' }, then: () => this.sendTriggered(requestedMessage) };
    });
  }

  private setChargingProfile(params: unknown): object {
    const { evseId, chargingProfile } = parse(setChargingProfile201RequestSchema, params);
    const reject = (reasonCode: string, why: string): object => {
      this.logger.info({ why }, 'sim201: charging profile rejected');
      return { status: 'Rejected', statusInfo: { reasonCode, additionalInfo: why } };
    };
    const units = this.variables.items('SmartChargingCtrlr.RateUnit');
    if (chargingProfile.chargingSchedule.some((schedule) => !units.includes(schedule.chargingRateUnit))) return reject('InvalidSchedule', 'rate unit not supported');
    const converted = toStackProfile(chargingProfile, this.transaction);
    if ('why' in converted) return reject('InvalidProfile', converted.why);
    const result = this.profiles.install(evseId, converted.profile, this.clock.nowMs(), this.transaction);
    if (result.why !== undefined) return reject('InvalidProfile', result.why);
    return { status: 'Accepted' };
  }

  private compositeSchedule(params: unknown): object {
    const { evseId, duration, chargingRateUnit = 'A' } = parse(getCompositeScheduleRequestSchema, params);
    const fromMs = this.clock.nowMs();
    const periods = this.profiles.compositeSchedule(evseId, fromMs, duration, chargingRateUnit, this.options.maxCurrentA ?? 16, this.transaction);
    return { status: 'Accepted', schedule: { evseId, duration, scheduleStart: isoTime(fromMs), chargingRateUnit, chargingSchedulePeriod: periods } };
  }

  private remoteStart(params: unknown): Reply {
    const { idToken, remoteStartId, chargingProfile } = parse(requestStartTransactionRequestSchema, params);
    if (this.transaction !== undefined) return { response: { status: 'Rejected' } };
    const request = { idToken: idToken.idToken, remoteStartId, ...(chargingProfile !== undefined ? { profile: chargingProfile } : {}) };
    return {
      response: { status: 'Accepted' },
      then: async () => {
        if (this.outlet.car !== undefined) await this.startTransaction(request.idToken, 'RemoteStart', request.remoteStartId, request.profile);
        else this.pendingRemoteStart = request; // starts when a car is plugged in
      },
    };
  }

  private async sendTriggered(message: string): Promise<void> {
    if (message === 'MeterValues' || message === 'TransactionEvent') await this.sendMeterValues('Trigger');
    if (message === 'StatusNotification') await this.sendStatus();
    if (message === 'Heartbeat') await this.send('Heartbeat', {});
    if (message === 'BootNotification') await this.boot().catch((error: unknown) => this.logger.warn({ err: error }, 'sim201: boot failed'));
  }
}

/** Strict mode already checked the schema; a failure here is a simulator bug, answered with a CALLERROR. */
function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, params: unknown): T {
  const result = schema.safeParse(params);
  if (!result.success) throw rpcError('GenericError', 'payload not understood by the simulator');
  return result.data;
}
