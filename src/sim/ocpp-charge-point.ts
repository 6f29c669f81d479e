import { setChargingProfileRequestSchema, type ChargingProfile } from '../chargers/ocpp16/charging-profile.ts';
import { isoTime } from '../chargers/ocpp16/messages.ts';
import { describeCallFailure, OcppClientConnection, rpcError, type InboundCall } from '../chargers/ocpp-rpc-types.ts';
import type { Clock } from '../platform/clock.ts';
import { silentLogger, type Logger } from '../platform/logger.ts';
import { ChargePointConfiguration } from './charge-point-configuration.ts';
import { ChargerMaintenance } from './charger-maintenance.ts';
import { ChargingProfileStack, type TransactionContext } from './charging-profile-stack.ts';
import {
  authorizeResponseSchema, bootNotificationResponseSchema, changeConfigurationRequestSchema,
  clearChargingProfileRequestSchema, getCompositeScheduleRequestSchema, getConfigurationRequestSchema,
  remoteStartTransactionRequestSchema, remoteStopTransactionRequestSchema, startTransactionResponseSchema,
  triggerMessageRequestSchema,
} from './csms-messages.ts';
import { ElectricVehicle, type ElectricVehicleOptions } from './electric-vehicle.ts';
import { sampledValues } from './meter-sample.ts';
import { WallboxOutlet } from './wallbox-outlet.ts';

/**
 * SIMULATOR: an OCPP 1.6J wallbox with one connector, for the demo and for tests. It speaks the real protocol over a
 * real WebSocket (ocpp-rpc's RPCClient in strict mode, so a schema-invalid frame from the central system is refused
 * here as a strict charger would), keeps charging profiles with the spec's stacking rules, and drives a simulated car
 * that follows the offered current. All time comes from the injected Clock.
 */

export type Ocpp16ConnectorStatus =
  | 'Available' | 'Preparing' | 'Charging' | 'SuspendedEV' | 'SuspendedEVSE' | 'Finishing' | 'Reserved' | 'Unavailable' | 'Faulted';

export interface SimulatedChargePointOptions {
  id: string;
  /** Central system URL without the identity, e.g. ws://127.0.0.1:8887/ocpp. */
  url: string;
  clock: Clock;
  /** Phase-to-neutral voltage the simulated meter reports, V. */
  voltageV: number;
  logger?: Logger;
  /** Phases wired to the wallbox. Default 3. */
  phases?: 1 | 3;
  /** Hardware maximum per phase, A. Default 16. */
  maxCurrentA?: number;
  /** idTag used for transactions the wallbox starts itself. Default 'SIMULATED'. */
  idTag?: string;
  /** Plugging in starts a transaction without RemoteStart ("free vending"). Default true. */
  autoStart?: boolean;
  /** Configuration key values replacing the defaults (see charge-point-configuration.ts). */
  configuration?: Readonly<Record<string, string>>;
  /** Car physics step, ms. Default 1000. */
  tickMs?: number;
  /** Car used by plugIn() without an argument. */
  vehicle?: ElectricVehicleOptions;
  vendor?: string;
  model?: string;
  /** Basic-auth password (security profile 1). */
  password?: string;
  /** First reconnect delay after the line drops, ms (real time, inside ocpp-rpc). Default 1000. */
  reconnectDelayMs?: number;
}

/** A CALL the central system made and what the simulator answered, for tests and the demo log. */
export interface HandledRequest {
  action: string;
  payload: unknown;
  response: unknown;
}

interface Transaction extends TransactionContext {
  idTag: string;
}

/** A handler's answer, and what the wallbox does once that answer is on the wire. */
interface Reply {
  response: object;
  then?: () => Promise<unknown> | void;
}

const CONNECTOR_ID = 1;
/** WebSocket readyState OPEN, as ocpp-rpc's client reports it in `state`. */
const OPEN = 1;

/** ocpp-rpc's client plus its line state: offline, the wallbox authorizes cards from its local list. */
class WallboxConnection extends OcppClientConnection {
  get isOpen(): boolean {
    return this.client.state === OPEN;
  }
}
const TRIGGERABLE = ['MeterValues', 'StatusNotification', 'BootNotification', 'Heartbeat'];

export class SimulatedChargePoint {
  readonly id: string;
  readonly configuration: ChargePointConfiguration;
  readonly profiles: ChargingProfileStack;
  /** Local list, firmware, diagnostics, reset, unlock, availability, reservations (shared with the 2.0.1 simulator). */
  readonly maintenance: ChargerMaintenance;
  private readonly options: SimulatedChargePointOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly connection: WallboxConnection;
  private readonly outlet: WallboxOutlet;
  /** Schedule units the wallbox takes (ChargingScheduleAllowedChargingRateUnit). */
  private readonly allowedUnits: ReadonlySet<string>;
  private transaction: Transaction | undefined;
  private reportedStatus: Ocpp16ConnectorStatus | undefined;
  /** A transaction ended by the central system while the car is still plugged in. */
  private finishing = false;
  private pendingRemoteStart: { idTag: string; profile?: ChargingProfile } | undefined;
  /** Sends the StartTransaction of a transaction begun while offline, once the line is back. */
  private offlineStart: (() => Promise<void>) | undefined;
  private readonly timers = new Map<'tick' | 'meter' | 'heartbeat', () => void>();
  private readonly stopping = new AbortController();
  private readonly requestListeners = new Set<(request: HandledRequest) => void>();

  constructor(options: SimulatedChargePointOptions) {
    this.options = options;
    this.id = options.id;
    this.clock = options.clock;
    this.logger = (options.logger ?? silentLogger()).child({ simulatedChargePoint: options.id });
    this.configuration = new ChargePointConfiguration(options.configuration);
    const phases = options.phases ?? 3;
    this.profiles = new ChargingProfileStack({
      maxStackLevel: this.configuration.integer('ChargeProfileMaxStackLevel', 8),
      maxProfiles: this.configuration.integer('MaxChargingProfilesInstalled', 10),
      numberOfConnectors: this.configuration.integer('NumberOfConnectors', 1),
      chargerPhases: phases,
      voltageV: options.voltageV,
    });
    this.outlet = new WallboxOutlet({
      connectorId: CONNECTOR_ID, clock: this.clock, profiles: this.profiles, phases,
      maxCurrentA: options.maxCurrentA ?? 16, voltageV: options.voltageV,
    });
    const rateUnits = this.configuration.items('ChargingScheduleAllowedChargingRateUnit');
    this.allowedUnits = new Set([...(rateUnits.includes('Current') ? ['A'] : []), ...(rateUnits.includes('Power') ? ['W'] : [])]);
    this.connection = new WallboxConnection({
      identity: options.id,
      endpoint: options.url,
      protocols: ['ocpp1.6'],
      logger: this.logger,
      reconnect: true,
      strictMode: true,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.reconnectDelayMs !== undefined ? { reconnectDelayMs: options.reconnectDelayMs } : {}),
    });
    this.configuration.onChange((key) => {
      if (key === 'MeterValueSampleInterval') this.scheduleMeterValues();
    });
    this.maintenance = new ChargerMaintenance({
      protocol: 'ocpp1.6', clock: this.clock, logger: this.logger, send: (action, payload) => this.send(action, payload),
      busy: () => this.transaction !== undefined, statusChanged: () => void this.updateStatus(),
    });
    this.registerHandlers();
  }

  /** Connects, boots (retrying while the central system says Pending) and reports the connector status. */
  async start(): Promise<void> {
    await this.connection.connect();
    this.connection.onOpen(() => {
      // After a reconnect: report a transaction started offline, then say where things stand.
      const report = this.offlineStart;
      this.offlineStart = undefined;
      void (report?.() ?? Promise.resolve()).then(() => this.sendStatus(this.desiredStatus()));
    });
    await this.boot();
    this.outlet.step(); // no energy for the time before start
    this.timers.set('tick', this.clock.every(this.options.tickMs ?? 1000, () => this.tick()));
    this.scheduleMeterValues();
    await this.sendStatus(this.desiredStatus());
  }

  /** Ends the clock timers and closes the socket, like a power cut: a running transaction is not stopped. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const clear of this.timers.values()) clear();
    this.timers.clear();
    await this.connection.close({ code: 1000, reason: 'Simulator stopped' });
  }

  /** A car is plugged in: Preparing, then (with autoStart or a pending RemoteStart) a transaction. */
  async plugIn(vehicle: ElectricVehicle | ElectricVehicleOptions = this.options.vehicle ?? {}): Promise<void> {
    if (this.outlet.car !== undefined) throw new Error('a car is already plugged in');
    this.outlet.plug(vehicle instanceof ElectricVehicle ? vehicle : new ElectricVehicle(vehicle));
    this.finishing = false;
    await this.sendStatus('Preparing');
    const remote = this.pendingRemoteStart;
    this.pendingRemoteStart = undefined;
    if (remote !== undefined) await this.startTransaction(remote.idTag, remote.profile);
    else if (this.options.autoStart !== false) await this.startTransaction(this.options.idTag ?? 'SIMULATED');
  }

  /**
   * A card held to the reader with a car plugged in (autoStart off): online the central system decides (Authorize),
   * offline the local list does, and the transaction is reported once the line is back. Returns the verdict.
   */
  async presentCard(idTag: string): Promise<string> {
    if (this.outlet.car === undefined || this.transaction !== undefined) return 'Rejected';
    if (this.connection.isOpen) {
      await this.startTransaction(idTag);
      return this.transaction !== undefined ? 'Accepted' : 'Invalid';
    }
    const status = this.maintenance.lookup(idTag) ?? 'Invalid';
    if (status !== 'Accepted' || !this.maintenance.admits(idTag)) return status;
    const startedAtMs = this.clock.nowMs();
    const transaction: Transaction = { id: 0, idTag, startedAtMs };
    this.transaction = transaction;
    this.outlet.energise(transaction);
    const meterStart = Math.round(this.outlet.energyWh);
    // Reported when the line is back; the central system's id then replaces the provisional 0.
    this.offlineStart = async () => {
      const answer = await this.send('StartTransaction', { connectorId: CONNECTOR_ID, idTag, meterStart, timestamp: isoTime(startedAtMs) });
      const parsed = startTransactionResponseSchema.safeParse(answer);
      if (parsed.success && this.transaction === transaction) transaction.id = parsed.data.transactionId;
    };
    return status;
  }

  /** The car leaves: the transaction stops (EVDisconnected) and the connector becomes Available. */
  async unplug(): Promise<void> {
    if (this.outlet.car === undefined) return;
    if (this.transaction !== undefined) await this.stopTransaction('EVDisconnected');
    this.outlet.plug(undefined);
    this.finishing = false;
    await this.updateStatus();
  }

  get status(): Ocpp16ConnectorStatus {
    return this.desiredStatus();
  }

  get vehicle(): ElectricVehicle | undefined {
    return this.outlet.car;
  }

  get transactionId(): number | undefined {
    return this.transaction?.id;
  }

  /** Current offered to the car per phase now, A (0 without a transaction or below 6 A). */
  get offeredCurrentA(): number {
    return this.outlet.offeredCurrentA;
  }

  /** Phases carrying current now. */
  get activePhases(): number {
    return this.outlet.activePhases;
  }

  /** Current the car draws per active phase, A: what a plant model adds to the grid. */
  get drawnCurrentA(): number {
    return this.outlet.drawnCurrentA;
  }

  /** Current per wallbox phase L1..L3, A. */
  get phaseCurrentsA(): number[] {
    return this.outlet.phaseCurrentsA;
  }

  /** Power the car draws now, W (>= 0). */
  get powerW(): number {
    return this.outlet.powerW;
  }

  /** The import energy register, Wh. */
  get energyWh(): number {
    return this.outlet.energyWh;
  }

  /** Called after each central-system request was answered. */
  onRequest(listener: (request: HandledRequest) => void): () => void {
    this.requestListeners.add(listener);
    return () => this.requestListeners.delete(listener);
  }

  /** Sends one MeterValues with the configured measurands. */
  async sendMeterValues(context: 'Sample.Periodic' | 'Trigger' = 'Sample.Periodic'): Promise<void> {
    if (!this.connection.isOpen) return; // samples taken offline are not kept
    await this.send('MeterValues', {
      connectorId: CONNECTOR_ID,
      ...(this.transaction ? { transactionId: this.transaction.id } : {}),
      meterValue: [this.meterValue(context)],
    });
  }

  private tick(): void {
    this.outlet.step();
    void this.updateStatus(); // a profile may have expired, the battery may be full
  }

  private desiredStatus(): Ocpp16ConnectorStatus {
    const car = this.outlet.car;
    if (car === undefined) return !this.maintenance.operative ? 'Unavailable' : this.maintenance.reserved ? 'Reserved' : 'Available';
    if (this.transaction === undefined) return this.finishing ? 'Finishing' : 'Preparing';
    if (this.outlet.offeredCurrentA === 0) return 'SuspendedEVSE';
    return car.isFull ? 'SuspendedEV' : 'Charging';
  }

  private async updateStatus(): Promise<void> {
    const status = this.desiredStatus();
    if (status !== this.reportedStatus) await this.sendStatus(status);
  }

  private async sendStatus(status: Ocpp16ConnectorStatus): Promise<void> {
    this.reportedStatus = status; // set before sending, so that overlapping updates do not repeat it
    // Offline the status is not queued: the wallbox reports where it stands when the line is back (onOpen).
    if (!this.connection.isOpen) return;
    await this.send('StatusNotification', { connectorId: CONNECTOR_ID, errorCode: 'NoError', status, timestamp: isoTime(this.clock.nowMs()) });
  }

  private async boot(): Promise<void> {
    for (;;) {
      const response = bootNotificationResponseSchema.parse(await this.connection.call('BootNotification', {
        chargePointVendor: this.options.vendor ?? 'Sunplug',
        chargePointModel: this.options.model ?? 'Simulated Wallbox',
        firmwareVersion: 'sim-1',
      }));
      const intervalS = Math.max(1, response.interval);
      if (response.status === 'Accepted') {
        this.configuration.change('HeartbeatInterval', String(intervalS));
        this.timers.get('heartbeat')?.();
        this.timers.set('heartbeat', this.clock.every(intervalS * 1000, async () => {
          await this.send('Heartbeat', {});
        }));
        return;
      }
      this.logger.info({ status: response.status }, 'sim: boot not accepted; retrying');
      await this.clock.sleep(intervalS * 1000, this.stopping.signal);
    }
  }

  private scheduleMeterValues(): void {
    this.timers.get('meter')?.();
    this.timers.delete('meter');
    const intervalS = this.configuration.integer('MeterValueSampleInterval', 0);
    if (intervalS <= 0 || !this.timers.has('tick')) return;
    this.timers.set('meter', this.clock.every(intervalS * 1000, async () => {
      // Sampled data is a transaction thing in 1.6 (MeterValuesAlignedData would cover idle times).
      if (this.transaction !== undefined) await this.sendMeterValues();
    }));
  }

  private async startTransaction(idTag: string, profile?: ChargingProfile): Promise<void> {
    if (!this.maintenance.admits(idTag)) {
      this.logger.info({ idTag }, 'sim: connector reserved for another card');
      return;
    }
    const authorize = authorizeResponseSchema.safeParse(await this.send('Authorize', { idTag }));
    if (!authorize.success || authorize.data.idTagInfo.status !== 'Accepted') {
      this.logger.info({ idTag }, 'sim: idTag not accepted; staying in Preparing');
      return;
    }
    const startedAtMs = this.clock.nowMs();
    const parsed = startTransactionResponseSchema.safeParse(await this.send('StartTransaction', {
      connectorId: CONNECTOR_ID, idTag, meterStart: Math.round(this.outlet.energyWh), timestamp: isoTime(startedAtMs),
    }));
    if (!parsed.success) {
      this.logger.warn('sim: StartTransaction got no usable answer; staying in Preparing');
      return;
    }
    this.transaction = { id: parsed.data.transactionId, idTag, startedAtMs };
    if (parsed.data.idTagInfo.status !== 'Accepted') {
      await this.stopTransaction('DeAuthorized');
      return;
    }
    this.outlet.energise(this.transaction);
    // A RemoteStart's profile is a TxProfile for the transaction it starts (spec §5.11).
    if (profile !== undefined) this.profiles.install(CONNECTOR_ID, { ...profile, transactionId: this.transaction.id }, startedAtMs, this.transaction);
    await this.updateStatus();
  }

  private async stopTransaction(reason: 'EVDisconnected' | 'Remote' | 'DeAuthorized' | 'Local'): Promise<void> {
    const transaction = this.transaction;
    if (transaction === undefined) return;
    const endSample = this.meterValue('Transaction.End');
    this.transaction = undefined;
    this.outlet.energise(undefined);
    this.profiles.removeTxProfiles(CONNECTOR_ID);
    await this.send('StopTransaction', {
      transactionId: transaction.id, idTag: transaction.idTag, meterStop: Math.round(this.outlet.energyWh),
      timestamp: isoTime(this.clock.nowMs()), reason, transactionData: [endSample],
    });
  }

  private meterValue(context: string): { timestamp: string; sampledValue: object[] } {
    const car = this.outlet.car;
    return {
      timestamp: isoTime(this.clock.nowMs()),
      sampledValue: sampledValues(this.configuration.items('MeterValuesSampledData'), context, {
        energyWh: this.outlet.energyWh,
        powerW: this.outlet.powerW,
        offeredCurrentA: this.outlet.offeredCurrentA,
        phaseCurrentsA: this.outlet.phaseCurrentsA,
        voltageV: this.options.voltageV,
        ...(car ? { socPct: car.socPct } : {}),
      }),
    };
  }

  /** A CALL to the central system; failures are logged, never thrown (a real wallbox keeps running). */
  private async send(action: string, payload: object): Promise<unknown> {
    try {
      return await this.connection.call(action, payload);
    } catch (error) {
      this.logger.warn({ action, detail: describeCallFailure(error).detail }, 'sim: call failed');
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
    on('GetConfiguration', (params) => ({ response: this.configuration.read(parse(getConfigurationRequestSchema, params).key) }));
    on('ChangeConfiguration', (params) => {
      const { key, value } = parse(changeConfigurationRequestSchema, params);
      return { response: { status: this.configuration.change(key, value) } };
    });
    on('SetChargingProfile', (params) => ({ response: this.setChargingProfile(params), then: () => this.updateStatus() }));
    on('ClearChargingProfile', (params) => {
      const { id, connectorId, chargingProfilePurpose: purpose, stackLevel } = parse(clearChargingProfileRequestSchema, params);
      const removed = this.profiles.clear({ id, connectorId, purpose, stackLevel });
      return { response: { status: removed ? 'Accepted' : 'Unknown' }, then: () => this.updateStatus() };
    });
    on('GetCompositeSchedule', (params) => ({ response: this.compositeSchedule(params) }));
    on('RemoteStartTransaction', (params) => this.remoteStart(params));
    on('RemoteStopTransaction', (params) => {
      const accepted = parse(remoteStopTransactionRequestSchema, params).transactionId === this.transaction?.id;
      return {
        response: { status: accepted ? 'Accepted' : 'Rejected' },
        then: async () => {
          if (!accepted) return;
          this.finishing = true;
          await this.stopTransaction('Remote');
          await this.updateStatus();
        },
      };
    });
    for (const [action, handler] of this.maintenance.handlers()) on(action, handler);
    on('TriggerMessage', (params) => {
      const message = parse(triggerMessageRequestSchema, params).requestedMessage;
      if (!TRIGGERABLE.includes(message)) return { response: { status: 'NotImplemented' } };
      return { response: { status: 'Accepted' }, then: () => this.sendTriggered(message) };
    });
  }

  private setChargingProfile(params: unknown): object {
    const { connectorId, csChargingProfiles: profile } = parse(setChargingProfileRequestSchema, params);
    if (!this.allowedUnits.has(profile.chargingSchedule.chargingRateUnit)) return { status: 'Rejected' };
    const result = this.profiles.install(connectorId, profile, this.clock.nowMs(), this.transaction);
    if (result.why !== undefined) this.logger.info({ why: result.why }, 'sim: charging profile rejected');
    return { status: result.status };
  }

  private compositeSchedule(params: unknown): object {
    const { connectorId, duration, chargingRateUnit = 'A' } = parse(getCompositeScheduleRequestSchema, params);
    const fromMs = this.clock.nowMs();
    const periods = this.profiles.compositeSchedule(connectorId, fromMs, duration, chargingRateUnit, this.options.maxCurrentA ?? 16, this.transaction);
    return {
      status: 'Accepted',
      connectorId,
      scheduleStart: isoTime(fromMs),
      chargingSchedule: { duration, startSchedule: isoTime(fromMs), chargingRateUnit, chargingSchedulePeriod: periods },
    };
  }

  private remoteStart(params: unknown): Reply {
    const { idTag, chargingProfile } = parse(remoteStartTransactionRequestSchema, params);
    if (this.transaction !== undefined) return { response: { status: 'Rejected' } };
    const request = chargingProfile !== undefined ? { idTag, profile: chargingProfile } : { idTag };
    return {
      response: { status: 'Accepted' },
      then: async () => {
        if (this.outlet.car !== undefined) await this.startTransaction(request.idTag, request.profile);
        else this.pendingRemoteStart = request; // starts when a car is plugged in
      },
    };
  }

  private async sendTriggered(message: string): Promise<void> {
    if (message === 'MeterValues') await this.sendMeterValues('Trigger');
    if (message === 'StatusNotification') await this.sendStatus(this.desiredStatus());
    if (message === 'Heartbeat') await this.send('Heartbeat', {});
    if (message === 'BootNotification') await this.boot().catch((error: unknown) => this.logger.warn({ err: error }, 'sim: boot failed'));
  }
}

/** Strict mode already checked the schema; a failure here is a simulator bug, answered with a CALLERROR. */
function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, params: unknown): T {
  const result = schema.safeParse(params);
  if (!result.success) throw rpcError('GenericError', 'payload not understood by the simulator');
  return result.data;
}
