import { setChargingProfileRequestSchema } from '../chargers/ocpp16/charging-profile.ts';
import { isoTime, type SampledValue } from '../chargers/ocpp16/messages.ts';
import { describeCallFailure, OcppClientConnection, rpcError, type InboundCall } from '../chargers/ocpp-rpc-types.ts';
import type { Clock } from '../platform/clock.ts';
import { silentLogger, type Logger } from '../platform/logger.ts';
import { ChargePointConfiguration } from './charge-point-configuration.ts';
import { ChargingProfileStack, type TransactionContext } from './charging-profile-stack.ts';
import {
  authorizeResponseSchema, bootNotificationResponseSchema, changeConfigurationRequestSchema,
  clearChargingProfileRequestSchema, getCompositeScheduleRequestSchema, getConfigurationRequestSchema,
  remoteStartTransactionRequestSchema, remoteStopTransactionRequestSchema, startTransactionResponseSchema,
  triggerMessageRequestSchema,
} from './csms-messages.ts';
import { ElectricVehicle, type ElectricVehicleOptions } from './electric-vehicle.ts';

/**
 * SIMULATOR: an OCPP 1.6J wallbox with one connector, for the demo and for tests. It speaks the real protocol over a
 * real WebSocket (ocpp-rpc's RPCClient in strict mode, so a schema-invalid frame from the central system is refused
 * here as a real charger would), keeps charging profiles with the spec's stacking rules, and drives a simulated car
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
}

/** A CALL the central system made and what the simulator answered, for tests and the demo log. */
export interface HandledRequest {
  action: string;
  payload: unknown;
  response: unknown;
}

interface Transaction extends TransactionContext {
  idTag: string;
  meterStartWh: number;
}

/** IEC 61851 PWM cannot signal less than 6 A: a lower limit means no offer at all (the car pauses). */
const MIN_OFFER_A = 6;
const CONNECTOR_ID = 1;

export class SimulatedChargePoint {
  readonly id: string;
  readonly configuration: ChargePointConfiguration;
  readonly profiles: ChargingProfileStack;
  private readonly options: SimulatedChargePointOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly connection: OcppClientConnection;
  private readonly chargerPhases: 1 | 3;
  /** Schedule units the wallbox takes (ChargingScheduleAllowedChargingRateUnit). */
  private readonly allowedUnits: ReadonlySet<string>;
  private readonly maxCurrentA: number;
  private car: ElectricVehicle | undefined;
  private transaction: Transaction | undefined;
  private registerWh = 0;
  private reportedStatus: Ocpp16ConnectorStatus | undefined;
  /** A transaction ended by the central system while the car is still plugged in. */
  private finishing = false;
  private pendingRemoteStart: string | undefined;
  private lastTickMs: number;
  private readonly timers = new Map<'tick' | 'meter' | 'heartbeat', () => void>();
  private readonly stopping = new AbortController();
  private readonly requestListeners = new Set<(request: HandledRequest) => void>();

  constructor(options: SimulatedChargePointOptions) {
    this.options = options;
    this.id = options.id;
    this.clock = options.clock;
    this.logger = (options.logger ?? silentLogger()).child({ simulatedChargePoint: options.id });
    this.chargerPhases = options.phases ?? 3;
    this.maxCurrentA = options.maxCurrentA ?? 16;
    this.lastTickMs = this.clock.nowMs();
    this.configuration = new ChargePointConfiguration(options.configuration);
    const rateUnits = this.configuration.items('ChargingScheduleAllowedChargingRateUnit');
    this.profiles = new ChargingProfileStack({
      maxStackLevel: this.configuration.integer('ChargeProfileMaxStackLevel', 8),
      maxProfiles: this.configuration.integer('MaxChargingProfilesInstalled', 10),
      numberOfConnectors: this.configuration.integer('NumberOfConnectors', 1),
      chargerPhases: this.chargerPhases,
      voltageV: options.voltageV,
    });
    this.allowedUnits = new Set([...(rateUnits.includes('Current') ? ['A'] : []), ...(rateUnits.includes('Power') ? ['W'] : [])]);
    this.connection = new OcppClientConnection({
      identity: options.id,
      endpoint: options.url,
      protocols: ['ocpp1.6'],
      logger: this.logger,
      reconnect: true,
      strictMode: true,
      ...(options.password !== undefined ? { password: options.password } : {}),
    });
    this.configuration.onChange((key) => {
      if (key === 'MeterValueSampleInterval') this.scheduleMeterValues();
    });
    this.registerHandlers();
  }

  /** Connects, boots (retrying while the central system says Pending) and reports the connector status. */
  async start(): Promise<void> {
    await this.connection.connect();
    this.connection.onOpen(() => void this.sendStatus(this.desiredStatus())); // after a reconnect
    await this.boot();
    this.lastTickMs = this.clock.nowMs();
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
    if (this.car !== undefined) throw new Error('a car is already plugged in');
    this.car = vehicle instanceof ElectricVehicle ? vehicle : new ElectricVehicle(vehicle);
    this.finishing = false;
    await this.sendStatus('Preparing');
    const idTag = this.pendingRemoteStart ?? (this.options.autoStart === false ? undefined : this.options.idTag ?? 'SIMULATED');
    this.pendingRemoteStart = undefined;
    if (idTag !== undefined) await this.startTransaction(idTag);
  }

  /** The car leaves: the transaction stops (EVDisconnected) and the connector becomes Available. */
  async unplug(): Promise<void> {
    if (this.car === undefined) return;
    if (this.transaction !== undefined) await this.stopTransaction('EVDisconnected');
    this.car.disconnect();
    this.car = undefined;
    this.finishing = false;
    await this.updateStatus();
  }

  get status(): Ocpp16ConnectorStatus {
    return this.desiredStatus();
  }

  get vehicle(): ElectricVehicle | undefined {
    return this.car;
  }

  get transactionId(): number | undefined {
    return this.transaction?.id;
  }

  /** Current offered to the car per phase now, A: 0 without a transaction or below the 6 A a PWM signal allows. */
  get offeredCurrentA(): number {
    if (this.transaction === undefined) return 0;
    const limit = this.profiles.limitAt(CONNECTOR_ID, this.clock.nowMs(), this.transaction);
    const offered = Math.min(this.maxCurrentA, limit?.currentA ?? Infinity);
    return offered < MIN_OFFER_A ? 0 : Math.floor(offered * 10 + 1e-9) / 10;
  }

  /** Phases carrying current: the fewest of the wallbox, the winning profile's numberPhases and the car. */
  get activePhases(): number {
    const limit = this.transaction && this.profiles.limitAt(CONNECTOR_ID, this.clock.nowMs(), this.transaction);
    return Math.min(this.chargerPhases, limit?.numberPhases ?? 3, this.car?.phases ?? 3);
  }

  /** Current the car draws per active phase, A. */
  get drawnCurrentA(): number {
    return this.car?.drawnCurrentA ?? 0;
  }

  /** Current per wallbox phase L1..L3, A. */
  get phaseCurrentsA(): number[] {
    const phases = this.activePhases;
    return Array.from({ length: this.chargerPhases }, (_, i) => (i < phases ? this.drawnCurrentA : 0));
  }

  /** Power the car draws now, W (>= 0). */
  get powerW(): number {
    return this.drawnCurrentA * this.activePhases * this.options.voltageV;
  }

  /** The energy register, Wh. */
  get energyWh(): number {
    return this.registerWh;
  }

  /** Called after each central-system request was answered. */
  onRequest(listener: (request: HandledRequest) => void): () => void {
    this.requestListeners.add(listener);
    return () => this.requestListeners.delete(listener);
  }

  /** Sends one MeterValues with the configured measurands. */
  async sendMeterValues(context: 'Sample.Periodic' | 'Trigger' = 'Sample.Periodic'): Promise<void> {
    await this.send('MeterValues', {
      connectorId: CONNECTOR_ID,
      ...(this.transaction ? { transactionId: this.transaction.id } : {}),
      meterValue: [{ timestamp: isoTime(this.clock.nowMs()), sampledValue: this.sampledValues(context) }],
    });
  }

  private tick(): void {
    const nowMs = this.clock.nowMs();
    const elapsedMs = nowMs - this.lastTickMs;
    this.lastTickMs = nowMs;
    if (this.car !== undefined && elapsedMs > 0) {
      const offered = this.offeredCurrentA;
      this.registerWh += this.car.step(elapsedMs, offered, this.activePhases, this.options.voltageV);
    }
    void this.updateStatus(); // a profile may have expired, the battery may be full
  }

  private desiredStatus(): Ocpp16ConnectorStatus {
    if (this.car === undefined) return 'Available';
    if (this.transaction === undefined) return this.finishing ? 'Finishing' : 'Preparing';
    if (this.offeredCurrentA === 0) return 'SuspendedEVSE';
    return this.car.isFull ? 'SuspendedEV' : 'Charging';
  }

  private async updateStatus(): Promise<void> {
    const status = this.desiredStatus();
    if (status !== this.reportedStatus) await this.sendStatus(status);
  }

  private async sendStatus(status: Ocpp16ConnectorStatus): Promise<void> {
    this.reportedStatus = status; // set before sending, so that overlapping updates do not repeat it
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
    if (intervalS <= 0 || this.stopping.signal.aborted || !this.timers.has('tick')) return;
    this.timers.set('meter', this.clock.every(intervalS * 1000, async () => {
      // Sampled data is a transaction thing in 1.6 (MeterValuesAlignedData would cover idle times).
      if (this.transaction !== undefined) await this.sendMeterValues();
    }));
  }

  private async startTransaction(idTag: string): Promise<void> {
    const authorized = await this.send('Authorize', { idTag });
    const authorize = authorizeResponseSchema.safeParse(authorized);
    if (!authorize.success || authorize.data.idTagInfo.status !== 'Accepted') {
      this.logger.info({ idTag }, 'sim: idTag not accepted; staying in Preparing');
      return;
    }
    const meterStartWh = Math.round(this.registerWh);
    const startedAtMs = this.clock.nowMs();
    const parsed = startTransactionResponseSchema.safeParse(await this.send('StartTransaction', {
      connectorId: CONNECTOR_ID, idTag, meterStart: meterStartWh, timestamp: isoTime(startedAtMs),
    }));
    if (!parsed.success) {
      this.logger.warn('sim: StartTransaction got no usable answer; staying in Preparing');
      return;
    }
    this.transaction = { id: parsed.data.transactionId, idTag, meterStartWh, startedAtMs };
    if (parsed.data.idTagInfo.status !== 'Accepted') {
      await this.stopTransaction('DeAuthorized');
      return;
    }
    await this.updateStatus();
  }

  private async stopTransaction(reason: 'EVDisconnected' | 'Remote' | 'DeAuthorized' | 'Local'): Promise<void> {
    const transaction = this.transaction;
    if (transaction === undefined) return;
    const endSample = { timestamp: isoTime(this.clock.nowMs()), sampledValue: this.sampledValues('Transaction.End') };
    this.transaction = undefined;
    this.car?.disconnect(); // contactor opens: no current without a transaction
    this.profiles.removeTxProfiles(CONNECTOR_ID);
    await this.send('StopTransaction', {
      transactionId: transaction.id, idTag: transaction.idTag, meterStop: Math.round(this.registerWh),
      timestamp: isoTime(this.clock.nowMs()), reason, transactionData: [endSample],
    });
  }

  private sampledValues(context: string): SampledValue[] {
    const values: SampledValue[] = [];
    const phases = this.phaseCurrentsA;
    for (const measurand of this.configuration.items('MeterValuesSampledData')) {
      const base = { context, measurand, location: 'Outlet' };
      if (measurand === 'Energy.Active.Import.Register') values.push({ ...base, value: String(Math.round(this.registerWh)), unit: 'Wh' });
      if (measurand === 'Power.Active.Import') values.push({ ...base, value: this.powerW.toFixed(0), unit: 'W' });
      if (measurand === 'Current.Offered') values.push({ ...base, value: this.offeredCurrentA.toFixed(1), unit: 'A' });
      if (measurand === 'Current.Import') phases.forEach((a, i) => values.push({ ...base, phase: `L${i + 1}`, value: a.toFixed(1), unit: 'A' }));
      if (measurand === 'Voltage') phases.forEach((_, i) => values.push({ ...base, phase: `L${i + 1}-N`, value: this.options.voltageV.toFixed(1), unit: 'V' }));
      if (measurand === 'SoC' && this.car) values.push({ ...base, location: 'EV', value: this.car.socPct.toFixed(0), unit: 'Percent' });
    }
    return values;
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
    const on = (action: string, handler: (params: unknown) => object, afterReply?: () => Promise<unknown> | void): void => {
      this.connection.handle(action, async (call: InboundCall) => {
        const response = handler(call.params);
        if (afterReply !== undefined) {
          void this.connection.afterReply(call.messageId).then((sent) => (sent ? afterReply() : undefined));
        }
        for (const listener of this.requestListeners) listener({ action, payload: call.params, response });
        return response;
      });
    };
    on('GetConfiguration', (params) => this.configuration.read(parse(getConfigurationRequestSchema, params).key));
    on('ChangeConfiguration', (params) => {
      const { key, value } = parse(changeConfigurationRequestSchema, params);
      return { status: this.configuration.change(key, value) };
    });
    on('SetChargingProfile', (params) => this.onSetChargingProfile(params), () => this.updateStatus());
    on('ClearChargingProfile', (params) => {
      const { id, connectorId, chargingProfilePurpose: purpose, stackLevel } = parse(clearChargingProfileRequestSchema, params);
      return { status: this.profiles.clear({ id, connectorId, purpose, stackLevel }) ? 'Accepted' : 'Unknown' };
    }, () => this.updateStatus());
    on('GetCompositeSchedule', (params) => this.compositeSchedule(params));
    let remoteStart: { idTag: string } | undefined;
    on('RemoteStartTransaction', (params) => {
      const { idTag } = parse(remoteStartTransactionRequestSchema, params);
      if (this.transaction !== undefined) return { status: 'Rejected' };
      remoteStart = { idTag };
      return { status: 'Accepted' };
    }, async () => {
      const idTag = remoteStart?.idTag;
      if (idTag === undefined) return;
      if (this.car !== undefined) await this.startTransaction(idTag);
      else this.pendingRemoteStart = idTag; // starts when a car is plugged in
    });
    let stopRequested = false;
    on('RemoteStopTransaction', (params) => {
      stopRequested = parse(remoteStopTransactionRequestSchema, params).transactionId === this.transaction?.id;
      return { status: stopRequested ? 'Accepted' : 'Rejected' };
    }, async () => {
      if (!stopRequested) return;
      this.finishing = true;
      await this.stopTransaction('Remote');
      await this.updateStatus();
    });
    let triggered = '';
    on('TriggerMessage', (params) => {
      triggered = parse(triggerMessageRequestSchema, params).requestedMessage;
      const supported = ['MeterValues', 'StatusNotification', 'BootNotification', 'Heartbeat'].includes(triggered);
      return { status: supported ? 'Accepted' : 'NotImplemented' };
    }, async () => {
      if (triggered === 'MeterValues') await this.sendMeterValues('Trigger');
      if (triggered === 'StatusNotification') await this.sendStatus(this.desiredStatus());
      if (triggered === 'Heartbeat') await this.send('Heartbeat', {});
      if (triggered === 'BootNotification') await this.boot().catch((error: unknown) => this.logger.warn({ err: error }, 'sim: boot failed'));
    });
  }

  private onSetChargingProfile(params: unknown): object {
    const { connectorId, csChargingProfiles: profile } = parse(setChargingProfileRequestSchema, params);
    if (!this.allowedUnits.has(profile.chargingSchedule.chargingRateUnit)) return { status: 'Rejected' };
    const result = this.profiles.install(connectorId, profile, this.clock.nowMs(), this.transaction);
    if (result.why !== undefined) this.logger.info({ why: result.why }, 'sim: charging profile rejected');
    return { status: result.status };
  }

  private compositeSchedule(params: unknown): object {
    const { connectorId, duration, chargingRateUnit } = parse(getCompositeScheduleRequestSchema, params);
    const fromMs = this.clock.nowMs();
    const periods: { startPeriod: number; limit: number; numberPhases?: number }[] = [];
    for (const atMs of this.profiles.changePoints(fromMs, fromMs + duration * 1000, this.transaction)) {
      const limit = this.profiles.limitAt(connectorId, atMs, this.transaction);
      const currentA = Math.min(this.maxCurrentA, limit?.currentA ?? Infinity);
      const phases = limit?.numberPhases ?? this.chargerPhases;
      const value = chargingRateUnit === 'W' ? currentA * phases * this.options.voltageV : currentA;
      const rounded = Math.floor(value * 10 + 1e-9) / 10;
      const last = periods[periods.length - 1];
      if (last !== undefined && last.limit === rounded && last.numberPhases === limit?.numberPhases) continue;
      periods.push({ startPeriod: Math.ceil((atMs - fromMs) / 1000), limit: rounded, ...(limit?.numberPhases ? { numberPhases: limit.numberPhases } : {}) });
    }
    return {
      status: 'Accepted',
      connectorId,
      scheduleStart: isoTime(fromMs),
      chargingSchedule: { duration, startSchedule: isoTime(fromMs), chargingRateUnit: chargingRateUnit ?? 'A', chargingSchedulePeriod: periods },
    };
  }
}

/** Strict mode already checked the schema; a failure here is a simulator bug, answered with a CALLERROR. */
function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, params: unknown): T {
  const result = schema.safeParse(params);
  if (!result.success) throw rpcError('GenericError', 'payload not understood by the simulator');
  return result.data;
}
