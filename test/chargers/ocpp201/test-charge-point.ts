import { once } from 'node:events';
import { OCPP20 } from 'typed-ocpp';
import WebSocket from 'ws';
import type { Clock } from '../../../src/platform/clock.ts';
import { ProfileStore201, storedProfileOf } from './profile-store-201.ts';

/**
 * A 2.0.1 charging station for tests, on a bare `ws` client with subprotocol 'ocpp2.0.1'. Every frame in either
 * direction is judged by typed-ocpp's OCPP20 validators (the OCA JSON schemas, compiled by a library we did not write),
 * so a framing or schema slip on Sunplug's side shows up in `violations` instead of passing because our own schemas
 * share the slip. It answers what a home wallbox answers: SetChargingProfile (recorded), Get/SetVariables (a small
 * device model), TriggerMessage and RequestStart/StopTransaction; everything else gets NotImplemented.
 */

export interface TestChargePointOptions {
  /** Server URL without the identity, e.g. ws://127.0.0.1:1234/ocpp. */
  url: string;
  id: string;
  /** Timestamps come from here (a FakeClock in tests). */
  clock: Clock;
  /** Offered subprotocols. Default ['ocpp2.0.1']. */
  protocols?: string[];
  /** `Component.Variable` (or `Component.Variable[instance]`) values replacing or adding to the defaults. */
  variables?: Readonly<Record<string, string>>;
  /** Passed to the `ws` client, e.g. the CA, client certificate and key for wss:// (security profiles 2 and 3). */
  wsOptions?: WebSocket.ClientOptions;
}

/** A CALL the CSMS made, as received, with what we answered. */
export interface ReceivedCall {
  action: string;
  messageId: string;
  payload: Record<string, unknown>;
  response: unknown;
}

/** A CALLERROR the CSMS answered one of our CALLs with. */
export class CallErrorReply extends Error {
  constructor(readonly code: string, readonly description: string) {
    super(`${code}: ${description}`);
  }
}

export interface MeterReadout {
  /** Energy.Active.Import.Register, Wh (sent in kWh with `energyInKWh`). */
  energyWh?: number;
  energyInKWh?: boolean;
  powerW?: number;
  /** Current.Import per phase L1..L3, A. */
  currentsA?: readonly number[];
  offeredA?: number;
  voltageV?: number;
  socPct?: number;
}

export interface TransactionEventOptions {
  transactionId: string;
  chargingState?: 'Charging' | 'EVConnected' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle';
  triggerReason?: string;
  /** Default: the next number of this charge point's counter. */
  seqNo?: number;
  offline?: boolean;
  /** When it happened, ms. Default: the clock's now. */
  atMs?: number;
  meter?: MeterReadout;
  idToken?: string;
  stoppedReason?: string;
  remoteStartId?: number;
  evseId?: number;
}

type Handler = (payload: Record<string, unknown>) => { response: object; then?: () => Promise<unknown> };

interface VariableEntry {
  value: string;
  readonly: boolean;
}

const DEFAULT_VARIABLES: Record<string, VariableEntry> = {
  'SmartChargingCtrlr.Enabled': { value: 'true', readonly: true },
  'SmartChargingCtrlr.LimitChangeSignificance': { value: '10', readonly: false },
  'SmartChargingCtrlr.RateUnit': { value: 'A,W', readonly: true },
  'SmartChargingCtrlr.PeriodsPerSchedule': { value: '24', readonly: true },
  'SmartChargingCtrlr.ProfileStackLevel': { value: '8', readonly: true },
  'SmartChargingCtrlr.Entries[ChargingProfiles]': { value: '10', readonly: true },
  'SampledDataCtrlr.Enabled': { value: 'true', readonly: false },
  'SampledDataCtrlr.TxUpdatedMeasurands': { value: 'Energy.Active.Import.Register', readonly: false },
  'SampledDataCtrlr.TxUpdatedInterval': { value: '60', readonly: false },
};

const TRIGGERABLE = ['StatusNotification', 'Heartbeat', 'MeterValues', 'TransactionEvent'];

export class TestChargePoint {
  readonly ws: WebSocket;
  /** Everything typed-ocpp refused, in both directions. A test that ends with this non-empty has found a bug. */
  readonly violations: string[] = [];
  /** CALLs the CSMS made, in order. */
  readonly received: ReceivedCall[] = [];
  readonly variables = new Map<string, VariableEntry>();
  /** What SetChargingProfile answers. */
  profileStatus: 'Accepted' | 'Rejected' = 'Accepted';
  /** The profiles it holds, with the spec's stacking rules (`installed.limitAt(evseId, atMs)`). */
  readonly installed = new ProfileStore201();
  /** What GetBaseReport answers; Accepted sends the inventory in two NotifyReport parts. */
  baseReportStatus: 'Accepted' | 'NotSupported' = 'Accepted';
  connectorStatus: 'Available' | 'Occupied' = 'Available';
  /** The open transaction, if any. */
  transactionId: string | undefined;
  private seqNo = 0;
  private nextMessageId = 1;
  private readonly pending = new Map<string, { call: OCPP20.Call | undefined; resolve: (frame: unknown) => void }>();
  private readonly callWaiters: Array<() => void> = [];
  private readonly handlers = new Map<string, Handler>();
  private transactionCounter = 0;

  private constructor(private readonly options: TestChargePointOptions) {
    for (const [key, entry] of Object.entries(DEFAULT_VARIABLES)) this.variables.set(key, { ...entry });
    for (const [key, value] of Object.entries(options.variables ?? {})) {
      this.variables.set(key, { value, readonly: this.variables.get(key)?.readonly ?? false });
    }
    this.ws = new WebSocket(`${options.url}/${encodeURIComponent(options.id)}`, options.protocols ?? ['ocpp2.0.1'], options.wsOptions ?? {});
    this.ws.on('message', (data: Buffer) => this.onFrame(data.toString('utf8')));
    this.registerHandlers();
  }

  static async connect(options: TestChargePointOptions): Promise<TestChargePoint> {
    const cp = new TestChargePoint(options);
    await once(cp.ws, 'open');
    return cp;
  }

  /** The subprotocol the server chose. */
  get protocol(): string {
    return this.ws.protocol;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.close();
    await closed;
  }

  /** Sends a CALL that typed-ocpp must accept, and resolves with the CALLRESULT payload (rejects on CALLERROR). */
  async call(action: string, payload: object): Promise<Record<string, unknown>> {
    const frame: unknown = [2, this.newMessageId(), action, payload];
    if (!OCPP20.validateCall(frame)) {
      throw new Error(`the test charge point built an invalid ${action}: ${OCPP20.validateCall.errors.join('; ')}`);
    }
    return this.resultOf(await this.exchange(frame, frame));
  }

  /** Sends any frame, valid or not (for bad-input tests), and resolves with the server's raw answer to it. */
  sendRaw(messageId: string, frame: unknown): Promise<unknown> {
    return this.exchange(frame, undefined, messageId);
  }

  /** Resolves with the `n`-th CALL of `action` the CSMS made (1-based), now or when it comes. */
  async waitForCall(action: string, n = 1): Promise<ReceivedCall> {
    for (;;) {
      const matching = this.received.filter((call) => call.action === action);
      const found = matching[n - 1];
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.callWaiters.push(resolve));
    }
  }

  count(action: string): number {
    return this.received.filter((call) => call.action === action).length;
  }

  /** The chargingProfile payloads of every SetChargingProfile received. */
  get profiles(): Array<Record<string, unknown>> {
    return this.received.filter((call) => call.action === 'SetChargingProfile').map((call) => call.payload);
  }

  async boot(reason = 'PowerUp'): Promise<Record<string, unknown>> {
    return this.call('BootNotification', { reason, chargingStation: { vendorName: 'Sunplug Test', model: 'TCP-201', serialNumber: 'T-1', firmwareVersion: 't1' } });
  }

  async status(connectorStatus: 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted', atMs = this.options.clock.nowMs()): Promise<void> {
    if (connectorStatus === 'Available' || connectorStatus === 'Occupied') this.connectorStatus = connectorStatus;
    await this.call('StatusNotification', { timestamp: iso(atMs), connectorStatus, evseId: 1, connectorId: 1 });
  }

  async authorize(idToken: string): Promise<Record<string, unknown>> {
    return this.call('Authorize', { idToken: { idToken, type: 'ISO14443' } });
  }

  /** A TransactionEvent as a 2.0.1 station builds it; Started opens `transactionId`, Ended closes it. */
  async transactionEvent(eventType: 'Started' | 'Updated' | 'Ended', options: TransactionEventOptions): Promise<Record<string, unknown>> {
    return this.call('TransactionEvent', this.transactionEventPayload(eventType, options));
  }

  transactionEventPayload(eventType: 'Started' | 'Updated' | 'Ended', options: TransactionEventOptions): object {
    const atMs = options.atMs ?? this.options.clock.nowMs();
    const seqNo = options.seqNo ?? this.seqNo++;
    if (eventType === 'Started') this.transactionId = options.transactionId;
    if (eventType === 'Ended' && this.transactionId === options.transactionId) this.transactionId = undefined;
    const context = eventType === 'Started' ? 'Transaction.Begin' : eventType === 'Ended' ? 'Transaction.End' : 'Sample.Periodic';
    const transactionInfo: Record<string, unknown> = { transactionId: options.transactionId };
    if (options.chargingState !== undefined) transactionInfo.chargingState = options.chargingState;
    if (options.stoppedReason !== undefined) transactionInfo.stoppedReason = options.stoppedReason;
    if (options.remoteStartId !== undefined) transactionInfo.remoteStartId = options.remoteStartId;
    return {
      eventType,
      timestamp: iso(atMs),
      triggerReason: options.triggerReason ?? (eventType === 'Started' ? 'CablePluggedIn' : eventType === 'Ended' ? 'EVDeparted' : 'MeterValuePeriodic'),
      seqNo,
      ...(options.offline !== undefined ? { offline: options.offline } : {}),
      transactionInfo,
      ...(eventType === 'Started' || options.evseId !== undefined ? { evse: { id: options.evseId ?? 1, connectorId: 1 } } : {}),
      ...(options.idToken !== undefined ? { idToken: { idToken: options.idToken, type: 'ISO14443' } } : {}),
      ...(options.meter !== undefined ? { meterValue: [meterValue(atMs, options.meter, context)] } : {}),
    };
  }

  async meterValues(meter: MeterReadout, atMs = this.options.clock.nowMs()): Promise<void> {
    await this.call('MeterValues', { evseId: 1, meterValue: [meterValue(atMs, meter, 'Sample.Periodic')] });
  }

  async notifyEVChargingNeeds(needs: { departureAtMs?: number; energyAmountWh: number; evMinCurrentA: number; evMaxCurrentA: number; evMaxVoltageV: number }): Promise<Record<string, unknown>> {
    return this.call('NotifyEVChargingNeeds', {
      evseId: 1,
      chargingNeeds: {
        requestedEnergyTransfer: 'AC_three_phase',
        ...(needs.departureAtMs !== undefined ? { departureTime: iso(needs.departureAtMs) } : {}),
        acChargingParameters: { energyAmount: needs.energyAmountWh, evMinCurrent: needs.evMinCurrentA, evMaxCurrent: needs.evMaxCurrentA, evMaxVoltage: needs.evMaxVoltageV },
      },
    });
  }

  private newMessageId(): string {
    return `tcp-${this.nextMessageId++}`;
  }

  private exchange(frame: unknown, call: OCPP20.Call | undefined, messageId?: string): Promise<unknown> {
    const id = messageId ?? (Array.isArray(frame) && typeof frame[1] === 'string' ? frame[1] : '');
    return new Promise((resolve, reject) => {
      this.pending.set(id, { call, resolve });
      this.ws.send(JSON.stringify(frame), (error) => {
        if (error) reject(error);
      });
    });
  }

  private resultOf(frame: unknown): Record<string, unknown> {
    if (Array.isArray(frame) && frame[0] === 3 && isRecord(frame[2])) return frame[2];
    if (Array.isArray(frame) && frame[0] === 4) throw new CallErrorReply(String(frame[2]), String(frame[3]));
    throw new Error(`unexpected answer ${JSON.stringify(frame)}`);
  }

  private onFrame(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.violations.push(`server sent a frame that is not JSON: ${text.slice(0, 80)}`);
      return;
    }
    if (!Array.isArray(frame)) {
      this.violations.push(`server sent a frame that is not an array: ${text.slice(0, 80)}`);
      return;
    }
    if (frame[0] === 2) this.onServerCall(frame);
    else this.onServerAnswer(frame);
  }

  private onServerAnswer(frame: unknown[]): void {
    const id = String(frame[1]);
    const waiter = this.pending.get(id);
    if (waiter === undefined) {
      this.violations.push(`server answered an unknown message id ${id}`);
      return;
    }
    this.pending.delete(id);
    if (frame[0] === 3) {
      if (!OCPP20.validateCallResult(frame)) this.violations.push(`invalid CALLRESULT: ${OCPP20.validateCallResult.errors.join('; ')}`);
      else if (waiter.call !== undefined && !checkResult(frame, waiter.call)) {
        this.violations.push(`CALLRESULT to ${waiter.call[2]} does not match its schema: ${OCPP20.checkCallResult.errors.join('; ')}`);
      }
    } else if (frame[0] === 4) {
      if (!OCPP20.validateCallError(frame)) this.violations.push(`invalid CALLERROR: ${OCPP20.validateCallError.errors.join('; ')}`);
    } else {
      this.violations.push(`unknown message type ${String(frame[0])}`);
    }
    waiter.resolve(frame);
  }

  private onServerCall(frame: unknown[]): void {
    const messageId = String(frame[1]);
    if (!OCPP20.validateCall(frame)) {
      this.violations.push(`invalid CALL from the server: ${OCPP20.validateCall.errors.join('; ')} in ${JSON.stringify(frame).slice(0, 300)}`);
      this.ws.send(JSON.stringify([4, messageId, 'FormationViolation', 'refused by the test charge point', {}]));
      return;
    }
    const action: string = frame[2];
    const payload: Record<string, unknown> = { ...frame[3] };
    const handler = this.handlers.get(action);
    if (handler === undefined) {
      this.ws.send(JSON.stringify([4, messageId, 'NotImplemented', `${action} is not implemented here`, {}]));
      this.noteReceived({ action, messageId, payload, response: 'NotImplemented' });
      return;
    }
    const { response, then } = handler(payload);
    const answer = [3, messageId, response];
    if (!checkResult(answer, frame)) this.violations.push(`the test charge point answered ${action} invalidly: ${OCPP20.checkCallResult.errors.join('; ')}`);
    this.ws.send(JSON.stringify(answer), () => {
      this.noteReceived({ action, messageId, payload, response });
      if (then !== undefined) void then().catch((error: unknown) => this.violations.push(`after ${action}: ${String(error)}`));
    });
  }

  private noteReceived(call: ReceivedCall): void {
    this.received.push(call);
    for (const wake of this.callWaiters.splice(0)) wake();
  }

  private registerHandlers(): void {
    this.handlers.set('SetChargingProfile', (payload) => {
      const stored = storedProfileOf(payload, this.options.clock.nowMs());
      if (this.profileStatus === 'Accepted' && stored !== undefined) this.installed.set(stored);
      return { response: { status: this.profileStatus } };
    });
    this.handlers.set('ClearChargingProfile', (payload) => ({ response: { status: this.installed.clear(payload) ? 'Accepted' : 'Unknown' } }));
    this.handlers.set('GetBaseReport', (payload) => {
      if (this.baseReportStatus !== 'Accepted') return { response: { status: this.baseReportStatus } };
      // A station that goes offline mid-report just stops sending it; tests that close early are not at fault.
      return { response: { status: 'Accepted' }, then: () => this.sendInventory(Number(payload.requestId)).catch((error: unknown) => {
        if (this.ws.readyState === WebSocket.OPEN) throw error;
      }) };
    });
    this.handlers.set('GetVariables', (payload) => ({ response: { getVariableResult: asArray(payload.getVariableData).map((item) => this.getVariable(item)) } }));
    this.handlers.set('SetVariables', (payload) => ({ response: { setVariableResult: asArray(payload.setVariableData).map((item) => this.setVariable(item)) } }));
    this.handlers.set('TriggerMessage', (payload) => {
      const message = String(payload.requestedMessage);
      if (!TRIGGERABLE.includes(message)) return { response: { status: 'NotImplemented' } };
      return { response: { status: 'Accepted' }, then: () => this.sendTriggered(message) };
    });
    this.handlers.set('RequestStartTransaction', (payload) => {
      if (this.transactionId !== undefined) return { response: { status: 'Rejected' } };
      const transactionId = `remote-${++this.transactionCounter}`;
      const idToken = isRecord(payload.idToken) ? String(payload.idToken.idToken) : 'unknown';
      const remoteStartId = Number(payload.remoteStartId);
      return {
        response: { status: 'Accepted', transactionId },
        then: () => this.transactionEvent('Started', { transactionId, triggerReason: 'RemoteStart', chargingState: 'EVConnected', idToken, remoteStartId }),
      };
    });
    this.handlers.set('RequestStopTransaction', (payload) => {
      const transactionId = this.transactionId;
      if (transactionId === undefined || payload.transactionId !== transactionId) return { response: { status: 'Rejected' } };
      return {
        response: { status: 'Accepted' },
        then: () => this.transactionEvent('Ended', { transactionId, triggerReason: 'RemoteStop', stoppedReason: 'Remote', chargingState: 'EVConnected' }),
      };
    });
  }

  /** A FullInventory in two parts (tbc), as stations split long reports: identity and EVSE first, then the controllers. */
  private async sendInventory(requestId: number): Promise<void> {
    const generatedAt = iso(this.options.clock.nowMs());
    const item = (component: object, name: string, value: string, instance?: string): object => ({
      component, variable: instance !== undefined ? { name, instance } : { name },
      variableAttribute: [{ type: 'Actual', value, mutability: 'ReadOnly' }],
    });
    await this.call('NotifyReport', {
      requestId, generatedAt, seqNo: 0, tbc: true,
      reportData: [
        item({ name: 'ChargingStation' }, 'Model', 'TCP-201'),
        item({ name: 'ChargingStation' }, 'VendorName', 'Sunplug Test'),
        item({ name: 'EVSE', evse: { id: 1 } }, 'Power', '11000'),
        item({ name: 'EVSE', evse: { id: 1 } }, 'SupplyPhases', '3'),
        item({ name: 'Connector', evse: { id: 1, connectorId: 1 } }, 'ConnectorType', 'cType2'),
      ],
    });
    await this.call('NotifyReport', {
      requestId, generatedAt, seqNo: 1,
      reportData: [
        ...[...this.variables.entries()].filter(([key]) => key.startsWith('SmartChargingCtrlr.')).map(([key, entry]) => {
          const { component, variable } = addressOf({ component: { name: key.split('.')[0] }, variable: parseVariable(key.split('.')[1] ?? '') });
          return item(component, variable.name, entry.value, variable.instance);
        }),
        // Reported only here (GetVariables does not ask for it), so a test can tell that the last part arrived.
        item({ name: 'SmartChargingCtrlr' }, 'Available', 'true'),
      ],
    });
  }

  private async sendTriggered(message: string): Promise<void> {
    if (message === 'StatusNotification') await this.status(this.connectorStatus);
    if (message === 'Heartbeat') await this.call('Heartbeat', {});
    if (message === 'MeterValues') await this.meterValues({ energyWh: 0 });
    if (message === 'TransactionEvent' && this.transactionId !== undefined) {
      await this.transactionEvent('Updated', { transactionId: this.transactionId, triggerReason: 'Trigger' });
    }
  }

  private getVariable(item: unknown): object {
    const { component, variable, key } = addressOf(item);
    const entry = this.variables.get(key);
    if (entry !== undefined) return { attributeStatus: 'Accepted', attributeValue: entry.value, component, variable };
    const componentKnown = [...this.variables.keys()].some((k) => k.startsWith(`${component.name}.`));
    return { attributeStatus: componentKnown ? 'UnknownVariable' : 'UnknownComponent', component, variable };
  }

  private setVariable(item: unknown): object {
    const { component, variable, key } = addressOf(item);
    const entry = this.variables.get(key);
    if (entry === undefined) return { attributeStatus: 'UnknownVariable', component, variable };
    if (entry.readonly) return { attributeStatus: 'Rejected', component, variable };
    entry.value = isRecord(item) ? String(item.attributeValue) : '';
    return { attributeStatus: 'Accepted', component, variable };
  }
}

/** One 2.0.1 MeterValue with the given readings, units in unitOfMeasure as real stations send them. */
export function meterValue(atMs: number, meter: MeterReadout, context: string): object {
  const sampledValue: object[] = [];
  const push = (value: number, measurand: string, unit: string, extra: object = {}, multiplier?: number): void => {
    sampledValue.push({ value, context, measurand, ...extra, unitOfMeasure: multiplier !== undefined ? { unit, multiplier } : { unit } });
  };
  if (meter.energyWh !== undefined) {
    if (meter.energyInKWh === true) push(meter.energyWh / 1000, 'Energy.Active.Import.Register', 'kWh');
    else push(meter.energyWh, 'Energy.Active.Import.Register', 'Wh');
  }
  // Power in kW with multiplier 3 would be odd; W with an explicit multiplier 0 is what most firmware sends.
  if (meter.powerW !== undefined) push(meter.powerW, 'Power.Active.Import', 'W', {}, 0);
  meter.currentsA?.forEach((currentA, i) => push(currentA, 'Current.Import', 'A', { phase: `L${i + 1}` }));
  if (meter.offeredA !== undefined) push(meter.offeredA, 'Current.Offered', 'A');
  if (meter.voltageV !== undefined) push(meter.voltageV, 'Voltage', 'V', { phase: 'L1-N' });
  if (meter.socPct !== undefined) push(meter.socPct, 'SoC', 'Percent', { location: 'EV' });
  if (sampledValue.length === 0) push(0, 'Energy.Active.Import.Register', 'Wh');
  return { timestamp: iso(atMs), sampledValue };
}

export function iso(atMs: number): string {
  return new Date(atMs).toISOString();
}

/**
 * typed-ocpp's checkCallResult is a validating guard typed for already-narrowed results; here the frames are
 * untyped JSON, which it validates itself, so its parameter types are widened rather than the data cast.
 */
function checkResult(result: unknown, call: unknown): boolean {
  return Reflect.apply(OCPP20.checkCallResult, undefined, [result, call]) === true;
}

function parseVariable(text: string): { name: string; instance?: string } {
  const match = /^([^[]+)(?:\[(.+)\])?$/.exec(text);
  return match?.[2] !== undefined ? { name: match[1] ?? text, instance: match[2] } : { name: match?.[1] ?? text };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function addressOf(item: unknown): { component: { name: string; instance?: string }; variable: { name: string; instance?: string }; key: string } {
  const component = isRecord(item) && isRecord(item.component) ? item.component : {};
  const variable = isRecord(item) && isRecord(item.variable) ? item.variable : {};
  const c = { name: String(component.name), ...(typeof component.instance === 'string' ? { instance: component.instance } : {}) };
  const v = { name: String(variable.name), ...(typeof variable.instance === 'string' ? { instance: variable.instance } : {}) };
  return { component: c, variable: v, key: `${c.name}.${v.name}${v.instance !== undefined ? `[${v.instance}]` : ''}` };
}
