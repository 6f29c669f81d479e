/**
 * One Modbus connection per physical link, shared by every unit id behind it: a Modbus TCP endpoint (a Fronius
 * Datamanager answers for the inverter on unit 1 and the meter on unit 240 over the same socket), a serial port with
 * an RS-485 bus (Modbus RTU), or a transparent TCP gateway that passes RTU frames to a bus (RTU over TCP). Requests
 * go through one queue per link: many devices cope badly with pipelined requests, an RS-485 bus carries one frame
 * at a time, and modbus-serial's RTU ports keep a single pending request, so parallel ones would overwrite each
 * other.
 *
 * Failure handling, because modbus-serial does none of it (shared/reference/modbus.md §3):
 * - every request races a timeout on the injected Clock (so tests drive it, and timers stay in platform/);
 *   without one a request to a silent peer would never settle. modbus-serial's own request timer is not used;
 * - a closed socket fails the request in flight at once with "connection closed" (modbus-serial would leave it
 *   pending forever);
 * - a timeout or a closed connection drops the socket; the next request reconnects. Connect failures and lost
 *   connections back off exponentially (times from the injected Clock); while backing off, requests fail fast
 *   instead of queueing, so a dead device never stalls the poll loop;
 * - a Modbus exception is an answer: the connection stays and the backoff resets;
 * - a unit that keeps timing out is parked: its requests fail fast for a while (doubling up to a cap), so one dead
 *   meter on a shared RS-485 bus does not cost every other device a timeout per poll. Any answer unparks it;
 * - on RTU links a timeout leaves the port open (the bus is fine; one unit is silent), and the gap between frames is
 *   at least 3.5 character times at the link's baud rate, the RTU end-of-frame marker;
 * - `connectDelayMs` holds the queue after each connect, for devices that need a moment before they answer (the
 *   Huawei SDongle).
 */
import Modbus from 'modbus-serial';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import { lineName, rtuFrameGapMs, type SerialLineSettings } from './serial-line.ts';

export { BAUD_RATES, SERIAL_PARITIES, rtuFrameGapMs, type SerialLineSettings, type SerialParity } from './serial-line.ts';

type Client = InstanceType<typeof Modbus.default>;

/** The largest read the protocol allows (a PDU holds 125 registers). */
export const MAX_READ_REGISTERS = 125;

export type ModbusFailureKind = 'exception' | 'timeout' | 'closed' | 'connect' | 'backoff' | 'parked' | 'protocol' | 'aborted' | 'link-closed';

/** How a link reaches its devices. */
export type ModbusTransport =
  | { kind: 'tcp'; host: string; port: number }
  | ({ kind: 'rtu' } & SerialLineSettings)
  | { kind: 'rtu-over-tcp'; host: string; port: number };

/** The name of a link in messages and the pool's key: "host:port", "/dev/ttyUSB0" or "rtu-over-tcp host:port". */
export function transportName(transport: ModbusTransport): string {
  switch (transport.kind) {
    case 'tcp': return `${transport.host}:${transport.port}`;
    case 'rtu': return transport.path;
    case 'rtu-over-tcp': return `rtu-over-tcp ${transport.host}:${transport.port}`;
  }
}

const EXCEPTION_NAMES: Record<number, string> = {
  1: 'illegal function', 2: 'illegal data address', 3: 'illegal data value', 4: 'server device failure',
  5: 'acknowledge', 6: 'server device busy', 8: 'memory parity error', 10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/** A failed request. The message reads "127.0.0.1:5020 unit 240: Modbus exception 2 (illegal data address)". */
export class ModbusError extends Error {
  constructor(
    readonly endpoint: string,
    readonly unit: number,
    readonly kind: ModbusFailureKind,
    /** The message without the endpoint and unit. */
    readonly detail: string,
    readonly modbusCode?: number,
    options?: ErrorOptions,
  ) {
    super(`${endpoint} unit ${unit}: ${detail}`, options);
    this.name = 'ModbusError';
  }
}

export interface ModbusLinkSettings {
  /**
   * Times the request timeout, the inter-frame gap and the backoff. These are about real devices, so give it real
   * time even when the rest of the demo runs on a scaled clock.
   */
  clock: Clock;
  logger: Logger;
  /** Per request (on `clock`) and per connect attempt (the socket's own timer). */
  timeoutMs?: number;
  /** Quiet time between the end of one frame and the next request; devices and gateways need a breather. */
  interFrameGapMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Quiet time after a connect before the first request (Huawei SDongle: about 1-2 s). */
  connectDelayMs?: number;
  /** Consecutive timeouts of one unit after which it is parked. */
  parkAfterTimeouts?: number;
  /** First parking time; it doubles with each further timeout up to `parkMaxMs`. */
  parkInitialMs?: number;
  parkMaxMs?: number;
}

/** A link is given a transport, or host and port for Modbus TCP. */
export type ModbusLinkOptions = ModbusLinkSettings & ({ host: string; port: number } | { transport: ModbusTransport });

interface UnitTrouble {
  timeouts: number;
  parkedUntilMs: number;
  parkMs: number;
}

interface Connection {
  client: Client;
  /** Rejects when the socket closes; requests race against it. */
  closed: Promise<never>;
  fail(error: ModbusError): void;
}

export class ModbusLink {
  readonly endpoint: string;
  readonly transport: ModbusTransport;
  private readonly timeoutMs: number;
  private readonly gapMs: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private connection: Connection | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private failures = 0;
  private nextConnectAtMs = Number.NEGATIVE_INFINITY;
  private lastFailure = '';
  private lastFrameAtMs = Number.NEGATIVE_INFINITY;
  private closed = false;
  /** A request is on the wire: a close now is a failure, not an idle timeout of the peer. */
  private busy = false;
  private readonly troubles = new Map<number, UnitTrouble>();

  constructor(private readonly options: ModbusLinkOptions) {
    this.transport = 'transport' in options ? options.transport : { kind: 'tcp', host: options.host, port: options.port };
    this.endpoint = transportName(this.transport);
    this.timeoutMs = options.timeoutMs ?? 1000;
    const gap = options.interFrameGapMs ?? 5;
    this.gapMs = this.transport.kind === 'rtu' ? Math.max(gap, rtuFrameGapMs(this.transport)) : gap;
    this.backoffInitialMs = options.backoffInitialMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
  }

  get isConnected(): boolean {
    return this.connection?.client.isOpen === true;
  }

  /** Units parked after repeated timeouts, with when they may be tried again (clock ms). */
  parkedUnits(): { unit: number; untilMs: number }[] {
    const now = this.options.clock.nowMs();
    return [...this.troubles].filter(([, t]) => t.parkedUntilMs > now).map(([unit, t]) => ({ unit, untilMs: t.parkedUntilMs }));
  }

  /** FC3. Resolves with `count` 16-bit words. */
  readHoldingRegisters(unit: number, address: number, count: number, signal?: AbortSignal): Promise<number[]> {
    return this.request(unit, address, count, 'holding', signal);
  }

  /** FC4. Resolves with `count` 16-bit words. */
  readInputRegisters(unit: number, address: number, count: number, signal?: AbortSignal): Promise<number[]> {
    return this.request(unit, address, count, 'input', signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.drop(this.error(this.connection?.client.getID() ?? 0, 'link-closed', 'link closed'));
  }

  private async request(unit: number, address: number, count: number, table: 'holding' | 'input', signal?: AbortSignal): Promise<number[]> {
    if (!Number.isInteger(unit) || unit < 0 || unit > 255) throw new RangeError(`unit id ${unit} is outside 0..255`);
    if (!Number.isInteger(count) || count < 1 || count > MAX_READ_REGISTERS) {
      throw new RangeError(`cannot read ${count} registers in one request (1..${MAX_READ_REGISTERS})`);
    }
    if (!Number.isInteger(address) || address < 0 || address + count > 0x10000) {
      throw new RangeError(`registers ${address}..${address + count - 1} are outside 0..65535`);
    }
    const job = this.tail.then(() => this.perform(unit, address, count, table, signal));
    this.tail = job.catch(() => undefined);
    return signal === undefined ? job : raceAbort(job, signal, () => this.error(unit, 'aborted', 'request aborted'));
  }

  private async perform(unit: number, address: number, count: number, table: 'holding' | 'input', signal?: AbortSignal): Promise<number[]> {
    if (this.closed) throw this.error(unit, 'link-closed', 'link closed');
    if (signal?.aborted) throw this.error(unit, 'aborted', 'request aborted');
    const trouble = this.troubles.get(unit);
    const parkedForMs = (trouble?.parkedUntilMs ?? 0) - this.options.clock.nowMs();
    if (trouble !== undefined && parkedForMs > 0) {
      throw this.error(unit, 'parked', `not answering (${trouble.timeouts} timeouts in a row), parked for another ${Math.ceil(parkedForMs)} ms`);
    }
    const waitMs = this.lastFrameAtMs + this.gapMs - this.options.clock.nowMs();
    if (waitMs > 0) await this.options.clock.sleep(Math.ceil(waitMs));
    const connection = await this.connect(unit);
    let data: number[];
    const timer = new AbortController();
    const timedOut = this.options.clock.sleep(this.timeoutMs, timer.signal).then((): never => {
      throw this.error(unit, 'timeout', `timed out after ${this.timeoutMs} ms`);
    });
    this.busy = true;
    try {
      connection.client.setID(unit);
      const pending = table === 'holding' ? connection.client.readHoldingRegisters(address, count)
        : connection.client.readInputRegisters(address, count);
      data = (await Promise.race([pending, connection.closed, timedOut])).data;
      this.answered(unit);
    } catch (cause) {
      throw this.classify(unit, cause, connection);
    } finally {
      this.busy = false;
      timer.abort();
      this.lastFrameAtMs = this.options.clock.nowMs();
    }
    if (data.length !== count) {
      const error = this.error(unit, 'protocol', `asked for ${count} registers, got ${data.length}`);
      this.drop(error);
      throw error;
    }
    return data;
  }

  private classify(unit: number, cause: unknown, connection: Connection): ModbusError {
    if (cause instanceof ModbusError) {
      if (cause.kind === 'timeout') {
        this.timedOut(unit);
        // A TCP device that stopped answering often has a wedged session; a fresh socket is the usual cure. On an
        // RS-485 bus a silent unit says nothing about the port, which the other units still use.
        if (this.transport.kind === 'tcp' && this.connection === connection) this.drop(cause, false);
      }
      return cause;
    }
    const error = cause as { modbusCode?: unknown; message?: unknown };
    if (typeof error.modbusCode === 'number') {
      this.answered(unit);
      const name = EXCEPTION_NAMES[error.modbusCode] ?? 'unknown exception';
      return this.error(unit, 'exception', `Modbus exception ${error.modbusCode} (${name})`, error.modbusCode, cause);
    }
    const message = typeof error.message === 'string' ? error.message : String(cause);
    const closed = message === 'Port Not Open';
    const failure = this.error(unit, closed ? 'closed' : 'protocol', closed ? 'connection closed' : `malformed reply: ${message}`, undefined, cause);
    if (this.connection === connection) this.drop(failure, true);
    return failure;
  }

  private async connect(unit: number): Promise<Connection> {
    if (this.connection !== undefined && this.connection.client.isOpen) return this.connection;
    this.drop(undefined, false);
    const now = this.options.clock.nowMs();
    if (now < this.nextConnectAtMs) {
      throw this.error(unit, 'backoff', `not connected, next attempt in ${Math.ceil(this.nextConnectAtMs - now)} ms (last error: ${this.lastFailure})`);
    }
    const client = new Modbus.default();
    client.on('error', (error: unknown) => this.options.logger.debug({ endpoint: this.endpoint, err: error }, 'modbus socket error'));
    try {
      await this.open(client);
    } catch (cause) {
      this.dispose(client);
      const message = cause instanceof Error ? cause.message : String(cause);
      const error = this.error(unit, 'connect', `cannot connect: ${message}`, undefined, cause);
      this.backOff(error.detail);
      throw error;
    }
    let fail: (error: ModbusError) => void = () => undefined;
    const closed = new Promise<never>((_resolve, reject) => { fail = reject; });
    closed.catch(() => undefined);
    const connection: Connection = { client, closed, fail };
    client.on('close', () => {
      if (this.connection !== connection) return;
      this.options.logger.warn({ endpoint: this.endpoint, busy: this.busy }, 'modbus connection closed by peer');
      // Many devices close idle sockets; only a close during a request counts towards the backoff.
      this.drop(this.error(client.getID(), 'closed', 'connection closed'), this.busy);
    });
    this.connection = connection;
    this.options.logger.info({ endpoint: this.endpoint }, 'modbus connected');
    const delayMs = this.options.connectDelayMs ?? 0;
    if (delayMs > 0) await this.options.clock.sleep(delayMs);
    return connection;
  }

  private async open(client: Client): Promise<void> {
    const transport = this.transport;
    switch (transport.kind) {
      case 'tcp':
        // `timeout` here is the socket's connect/idle timeout: an unreachable host fails instead of hanging.
        return client.connectTCP(transport.host, { port: transport.port, timeout: this.timeoutMs });
      case 'rtu-over-tcp':
        // modbus-serial's "Telnet" port is the one that sends raw RTU frames (with CRC) over TCP, as transparent
        // gateways expect; its "TcpRTUBuffered" port speaks Modbus TCP framing instead, despite its name.
        return client.connectTelnet(transport.host, { port: transport.port, timeout: this.timeoutMs });
      case 'rtu': {
        const { path, baudRate, parity, dataBits, stopBits } = transport;
        return client.connectRTUBuffered(path, { baudRate, parity, dataBits, stopBits });
      }
    }
  }

  /** Forgets the socket; fails the request in flight with `error`; `backOff` delays the next connect. */
  private drop(error: ModbusError | undefined, backOff = false): void {
    const connection = this.connection;
    this.connection = undefined;
    if (connection !== undefined) {
      if (error !== undefined) connection.fail(error);
      this.dispose(connection.client);
    }
    if (backOff && error !== undefined) this.backOff(error.detail);
  }

  /**
   * Frees the client's port. modbus-serial's serial port has no destroy(), and its destroy() then silently leaves the
   * device open (the process would never exit, and a reconnect would open it twice), so serial ports are closed.
   */
  private dispose(client: Client): void {
    if (this.transport.kind === 'rtu') {
      try {
        client.close(() => undefined);
      } catch (error) {
        this.options.logger.debug({ endpoint: this.endpoint, err: error }, 'closing the serial port failed');
      }
    } else {
      client.destroy(() => undefined);
    }
  }

  private backOff(reason: string): void {
    this.failures++;
    const delayMs = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** (this.failures - 1));
    this.nextConnectAtMs = this.options.clock.nowMs() + delayMs;
    this.lastFailure = reason;
    this.options.logger.debug({ endpoint: this.endpoint, delayMs, reason }, 'modbus link backing off');
  }

  /** The device answered (data or an exception): the link and the unit are healthy. */
  private answered(unit: number): void {
    this.failures = 0;
    this.nextConnectAtMs = Number.NEGATIVE_INFINITY;
    if (this.troubles.delete(unit)) this.options.logger.info({ endpoint: this.endpoint, unit }, 'modbus unit answers again');
  }

  private timedOut(unit: number): void {
    const initialMs = this.options.parkInitialMs ?? 5000;
    const trouble = this.troubles.get(unit) ?? { timeouts: 0, parkedUntilMs: 0, parkMs: initialMs };
    trouble.timeouts++;
    this.troubles.set(unit, trouble);
    if (trouble.timeouts < (this.options.parkAfterTimeouts ?? 3)) return;
    trouble.parkedUntilMs = this.options.clock.nowMs() + trouble.parkMs;
    this.options.logger.warn({ endpoint: this.endpoint, unit, timeouts: trouble.timeouts, parkMs: trouble.parkMs }, 'modbus unit parked after repeated timeouts');
    trouble.parkMs = Math.min(this.options.parkMaxMs ?? 60_000, trouble.parkMs * 2);
  }

  private error(unit: number, kind: ModbusFailureKind, detail: string, code?: number, cause?: unknown): ModbusError {
    return new ModbusError(this.endpoint, unit, kind, detail, code, cause === undefined ? undefined : { cause });
  }
}

export type ModbusLinkDefaults = ModbusLinkSettings;

/**
 * Hands out one link per physical link (TCP endpoint, serial port, RTU gateway), so every device behind it shares
 * its queue.
 */
export class ModbusLinkPool {
  private readonly links = new Map<string, ModbusLink>();

  constructor(private readonly defaults: ModbusLinkDefaults) {}

  /** The Modbus TCP link for host:port; `overrides` (e.g. a longer timeout for a slow dongle) apply when it is created. */
  get(host: string, port: number, overrides: Partial<ModbusLinkDefaults> = {}): ModbusLink {
    return this.forTransport({ kind: 'tcp', host, port }, overrides);
  }

  /**
   * The link for a transport. Two devices on one serial port must agree on its line settings (an RS-485 bus runs
   * at one speed), and a host:port is either Modbus TCP or an RTU gateway, not both: a conflict is an Error.
   */
  forTransport(transport: ModbusTransport, overrides: Partial<ModbusLinkDefaults> = {}): ModbusLink {
    const key = transport.kind === 'rtu' ? `serial ${transport.path}` : `${transport.host}:${transport.port}`;
    let link = this.links.get(key);
    if (link === undefined) {
      link = new ModbusLink({ ...this.defaults, ...overrides, transport });
      this.links.set(key, link);
    } else if (JSON.stringify(link.transport) !== JSON.stringify(transport)) {
      throw new Error(`${transportName(transport)} is already in use as ${describeTransport(link.transport)}; `
        + `every device on it must use ${describeTransport(link.transport)}`);
    }
    return link;
  }

  async close(): Promise<void> {
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((link) => link.close()));
  }
}

/** "Modbus TCP", "RTU over TCP", "RTU 9600 8N1 on /dev/ttyUSB0". */
export function describeTransport(transport: ModbusTransport): string {
  switch (transport.kind) {
    case 'tcp': return 'Modbus TCP';
    case 'rtu-over-tcp': return 'RTU over TCP';
    case 'rtu': return `RTU ${lineName(transport)} on ${transport.path}`;
  }
}

function raceAbort<T>(job: Promise<T>, signal: AbortSignal, makeError: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(makeError());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    job.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
