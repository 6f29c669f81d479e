import WebSocket from 'ws';
import { RawCharger } from './ocpp-test-kit.ts';

/**
 * Test helpers for admission and profile tests: a bare WebSocket charger that answers every CALL from the central
 * system through a script (whatever order the calls come in), and upgrades with HTTP Basic auth.
 */

export interface ReceivedCall {
  action: string;
  payload: Record<string, unknown>;
  response: unknown;
}

/** Answers `payload` of `action`; return an object for a CALLRESULT or `{ callError: code }` for a CALLERROR. */
export type Responder = (action: string, payload: Record<string, unknown>) => unknown;

export class ScriptedCharger {
  readonly raw: RawCharger;
  readonly calls: ReceivedCall[] = [];
  private readonly waiting: Array<{ predicate: (call: ReceivedCall) => boolean; resolve: (call: ReceivedCall) => void }> = [];
  private readonly results = new Map<string, (frame: unknown) => void>();
  private nextId = 1;
  private closed = false;

  constructor(url: string, id: string, public responder: Responder) {
    this.raw = new RawCharger(url, id);
    this.raw.ws.on('close', () => {
      this.closed = true;
    });
  }

  async open(): Promise<void> {
    await this.raw.open();
    void this.serve();
  }

  /** Sends a CALL and resolves with the CALLRESULT payload. */
  async call(action: string, payload: unknown): Promise<Record<string, unknown>> {
    const messageId = `t${this.nextId++}`;
    const answered = new Promise<unknown>((resolve) => this.results.set(messageId, resolve));
    this.raw.ws.send(JSON.stringify([2, messageId, action, payload]));
    const frame = await answered;
    if (!Array.isArray(frame) || frame[0] !== 3) throw new Error(`${action}: expected a CALLRESULT, got ${JSON.stringify(frame)}`);
    const result: unknown = frame[2];
    return typeof result === 'object' && result !== null ? { ...result } : {};
  }

  /** The first call (already received or coming) that matches. */
  waitFor(predicate: (call: ReceivedCall) => boolean): Promise<ReceivedCall> {
    const seen = this.calls.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiting.push({ predicate, resolve }));
  }

  /** Calls of `action` received so far. */
  received(action: string): ReceivedCall[] {
    return this.calls.filter((c) => c.action === action);
  }

  close(): void {
    this.raw.ws.close();
  }

  private async serve(): Promise<void> {
    const closed = new Promise<undefined>((resolve) => this.raw.ws.once('close', () => resolve(undefined)));
    while (!this.closed) {
      const frame = await Promise.race([this.raw.next(), closed]);
      if (frame === undefined || !Array.isArray(frame)) return;
      if (frame[0] === 3 || frame[0] === 4) {
        this.results.get(String(frame[1]))?.(frame);
        this.results.delete(String(frame[1]));
        continue;
      }
      if (frame[0] !== 2) continue;
      const [, messageId, action, rawPayload] = frame as [number, string, string, unknown];
      const payload = typeof rawPayload === 'object' && rawPayload !== null ? { ...rawPayload } : {};
      const response = this.responder(action, payload);
      const call = { action, payload, response };
      this.calls.push(call);
      if (typeof response === 'object' && response !== null && 'callError' in response) {
        this.raw.replyError(messageId, String(response.callError));
      } else {
        this.raw.reply(messageId, response);
      }
      for (const waiter of [...this.waiting]) {
        if (!waiter.predicate(call)) continue;
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        waiter.resolve(call);
      }
    }
  }
}

/** The CSMS calls a plain 1.6 charger with SmartCharging gets after boot, answered like a cooperative wallbox. */
export function cooperativeWallbox(overrides: Partial<Record<string, (payload: Record<string, unknown>) => unknown>> = {}): Responder {
  return (action, payload) => {
    const override = overrides[action];
    if (override !== undefined) return override(payload);
    switch (action) {
      case 'GetConfiguration':
        return { configurationKey: [
          { key: 'ChargeProfileMaxStackLevel', readonly: true, value: '8' },
          { key: 'ChargingScheduleAllowedChargingRateUnit', readonly: true, value: 'Current' },
          { key: 'SupportedFeatureProfiles', readonly: true, value: 'Core,SmartCharging,RemoteTrigger' },
        ] };
      case 'ClearChargingProfile':
        return { status: 'Unknown' };
      case 'GetCompositeSchedule':
        return { status: 'Rejected' };
      default:
        return { status: 'Accepted' };
    }
  };
}

/** The profile of a SetChargingProfile call, typed loosely for assertions. */
export interface SentProfile {
  connectorId: number;
  csChargingProfiles: {
    chargingProfileId: number;
    transactionId?: number;
    stackLevel: number;
    chargingProfilePurpose: string;
    chargingProfileKind: string;
    validTo?: string;
    chargingSchedule: { duration?: number; startSchedule?: string; chargingRateUnit: string; chargingSchedulePeriod: Array<{ startPeriod: number; limit: number; numberPhases?: number }> };
  };
}

export function sentProfile(call: { payload: unknown }): SentProfile {
  return call.payload as SentProfile;
}

/** Resolves with the HTTP status of a refused upgrade, or 101 when the connection opened (then closes it). */
export function upgradeStatus(url: string, id: string, auth?: { user: string; password: string }): Promise<number> {
  const headers = auth !== undefined ? { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` } : undefined;
  const ws = new WebSocket(`${url}/${encodeURIComponent(id)}`, ['ocpp1.6'], headers !== undefined ? { headers } : {});
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => { /* reported through unexpected-response */ });
  });
}
