import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import WebSocket from 'ws';
import type { ChargerAdapter } from '../../src/chargers/charger-adapter.ts';
import { OcppServer, type OcppServerOptions } from '../../src/chargers/ocpp-server.ts';
import type { ChargerState } from '../../src/domain/charger-state.ts';
import { FakeClock } from '../../src/platform/clock.ts';
import { silentLogger, type Logger } from '../../src/platform/logger.ts';
import type { HandledRequest, SimulatedChargePoint } from '../../src/sim/ocpp-charge-point.ts';

/** Shared pieces of the OCPP tests: a server on an ephemeral loopback port, and ways to await protocol events. */

export interface TestServer {
  server: OcppServer;
  port: number;
  url: string;
  clock: FakeClock;
}

export async function startTestServer(options: Partial<OcppServerOptions> & { known?: readonly string[] } = {}): Promise<TestServer> {
  const clock = options.clock instanceof FakeClock ? options.clock : new FakeClock();
  const known = new Set(options.known ?? ['cp1']);
  const server = new OcppServer({
    clock,
    logger: silentLogger(),
    voltageV: 230,
    admit: ({ identity }) => (known.has(identity) ? 'accept' : 'reject'),
    ...options,
  });
  const port = await server.listen(0, '127.0.0.1');
  return { server, port, url: `ws://127.0.0.1:${port}/ocpp`, clock };
}

/** Resolves with the adapter of the next charger that connects. */
export function nextConnection(server: OcppServer): Promise<ChargerAdapter> {
  return new Promise((resolve) => {
    const off = server.onChargerConnected((adapter) => {
      off();
      resolve(adapter);
    });
  });
}

/** Resolves with the first state (current or coming) that satisfies `predicate`. */
export function waitForState(adapter: ChargerAdapter, predicate: (state: ChargerState) => boolean): Promise<ChargerState> {
  const now = adapter.snapshot();
  if (predicate(now)) return Promise.resolve(now);
  return new Promise((resolve) => {
    const off = adapter.onStateChange((state) => {
      if (!predicate(state)) return;
      off();
      resolve(state);
    });
  });
}

/** Resolves with the next central-system request the simulator answers that matches. */
export function waitForRequest(cp: SimulatedChargePoint, action: string, predicate: (payload: unknown) => boolean = () => true): Promise<HandledRequest> {
  return new Promise((resolve) => {
    const off = cp.onRequest((request) => {
      if (request.action !== action || !predicate(request.payload)) return;
      off();
      resolve(request);
    });
  });
}

/** Counts central-system requests by action. */
export function countRequests(cp: SimulatedChargePoint): Map<string, number> {
  const counts = new Map<string, number>();
  cp.onRequest(({ action }) => counts.set(action, (counts.get(action) ?? 0) + 1));
  return counts;
}

/** A pino logger whose JSON lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.trim() === '') continue;
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null) lines.push({ ...parsed });
      }
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, destination), lines };
}

/** A bare WebSocket charger that sends whatever the test wants, to see how the server copes. */
export class RawCharger {
  readonly ws: WebSocket;
  private readonly frames: unknown[] = [];
  private readonly waiting: Array<(frame: unknown) => void> = [];

  constructor(url: string, id: string, protocols: string[] = ['ocpp1.6']) {
    this.ws = new WebSocket(`${url}/${encodeURIComponent(id)}`, protocols);
    this.ws.on('message', (data: Buffer) => {
      const frame: unknown = JSON.parse(data.toString('utf8'));
      const waiter = this.waiting.shift();
      if (waiter) waiter(frame);
      else this.frames.push(frame);
    });
  }

  async open(): Promise<void> {
    await once(this.ws, 'open');
  }

  /** The next frame from the server (CALLs it makes after a boot would show up here too). */
  next(): Promise<unknown> {
    const frame = this.frames.shift();
    return frame !== undefined ? Promise.resolve(frame) : new Promise((resolve) => this.waiting.push(resolve));
  }

  async call(messageId: string, action: string, payload: unknown): Promise<unknown> {
    this.ws.send(JSON.stringify([2, messageId, action, payload]));
    return this.next();
  }

  /** Waits for the server's next frame, which must be a CALL of `action`; returns its message id and payload. */
  async expectCall(action: string): Promise<{ messageId: string; payload: Record<string, unknown> }> {
    const frame = await this.next();
    if (!Array.isArray(frame) || frame[0] !== 2 || frame[2] !== action) throw new Error(`expected a ${action} CALL, got ${JSON.stringify(frame)}`);
    const payload: unknown = frame[3];
    if (typeof payload !== 'object' || payload === null) throw new Error('CALL without a payload object');
    return { messageId: String(frame[1]), payload: { ...payload } };
  }

  reply(messageId: string, payload: unknown): void {
    this.ws.send(JSON.stringify([3, messageId, payload]));
  }

  replyError(messageId: string, code: string): void {
    this.ws.send(JSON.stringify([4, messageId, code, '', {}]));
  }
}

/** Resolves with the HTTP status the server refused the upgrade with. */
export function refusal(url: string, id: string, protocols?: string[]): Promise<number> {
  const ws = protocols ? new WebSocket(`${url}/${id}`, protocols) : new WebSocket(`${url}/${id}`);
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('connection was accepted')));
    ws.on('error', () => { /* reported through unexpected-response */ });
  });
}
