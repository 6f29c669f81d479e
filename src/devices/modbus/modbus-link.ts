/**
 * One Modbus TCP connection per endpoint (host:port), shared by every unit id behind it (a Fronius Datamanager
 * answers for the inverter on unit 1 and the meter on unit 240 over the same socket). Requests go through one
 * serial queue: many devices cope badly with pipelined requests, and RS-485 gateways cannot do them at all.
 *
 * Failure handling, because modbus-serial does none of it (shared/reference/modbus.md §3):
 * - every request races a timeout on the injected Clock (so tests drive it, and timers stay in platform/);
 *   without one a request to a silent peer would never settle. modbus-serial's own request timer is not used;
 * - a closed socket fails the request in flight at once with "connection closed" (modbus-serial would leave it
 *   pending forever);
 * - a timeout or a closed connection drops the socket; the next request reconnects. Connect failures and lost
 *   connections back off exponentially (times from the injected Clock); while backing off, requests fail fast
 *   instead of queueing, so a dead device never stalls the poll loop;
 * - a Modbus exception is an answer: the connection stays and the backoff resets.
 */
import Modbus from 'modbus-serial';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';

type Client = InstanceType<typeof Modbus.default>;

/** The largest read the protocol allows (a PDU holds 125 registers). */
export const MAX_READ_REGISTERS = 125;

export type ModbusFailureKind = 'exception' | 'timeout' | 'closed' | 'connect' | 'backoff' | 'protocol' | 'aborted' | 'link-closed';

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

export interface ModbusLinkOptions {
  host: string;
  port: number;
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
}

interface Connection {
  client: Client;
  /** Rejects when the socket closes; requests race against it. */
  closed: Promise<never>;
  fail(error: ModbusError): void;
}

export class ModbusLink {
  readonly endpoint: string;
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

  constructor(private readonly options: ModbusLinkOptions) {
    this.endpoint = `${options.host}:${options.port}`;
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.gapMs = options.interFrameGapMs ?? 5;
    this.backoffInitialMs = options.backoffInitialMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
  }

  get isConnected(): boolean {
    return this.connection?.client.isOpen === true;
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
    const waitMs = this.lastFrameAtMs + this.gapMs - this.options.clock.nowMs();
    if (waitMs > 0) await this.options.clock.sleep(waitMs);
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
      this.answered();
    } catch (cause) {
      throw this.classify(unit, cause, connection);
    } finally {
      this.busy = false;
      timer.abort();
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
      // A device that stopped answering often has a wedged session; a fresh socket is the usual cure.
      if (cause.kind === 'timeout' && this.connection === connection) this.drop(cause, false);
      return cause;
    }
    const error = cause as { modbusCode?: unknown; message?: unknown };
    if (typeof error.modbusCode === 'number') {
      this.answered();
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
      // `timeout` here is the socket's connect/idle timeout: an unreachable host fails instead of hanging.
      await client.connectTCP(this.options.host, { port: this.options.port, timeout: this.timeoutMs });
    } catch (cause) {
      client.destroy(() => undefined);
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
    return connection;
  }

  /** Forgets the socket; fails the request in flight with `error`; `backOff` delays the next connect. */
  private drop(error: ModbusError | undefined, backOff = false): void {
    const connection = this.connection;
    this.connection = undefined;
    if (connection !== undefined) {
      if (error !== undefined) connection.fail(error);
      connection.client.destroy(() => undefined);
    }
    if (backOff && error !== undefined) this.backOff(error.detail);
  }

  private backOff(reason: string): void {
    this.failures++;
    const delayMs = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** (this.failures - 1));
    this.nextConnectAtMs = this.options.clock.nowMs() + delayMs;
    this.lastFailure = reason;
    this.options.logger.debug({ endpoint: this.endpoint, delayMs, reason }, 'modbus link backing off');
  }

  /** The device answered (data or an exception): the link is healthy. */
  private answered(): void {
    this.failures = 0;
    this.nextConnectAtMs = Number.NEGATIVE_INFINITY;
    this.lastFrameAtMs = this.options.clock.nowMs();
  }

  private error(unit: number, kind: ModbusFailureKind, detail: string, code?: number, cause?: unknown): ModbusError {
    return new ModbusError(this.endpoint, unit, kind, detail, code, cause === undefined ? undefined : { cause });
  }
}

export type ModbusLinkDefaults = Omit<ModbusLinkOptions, 'host' | 'port'>;

/** Hands out one link per endpoint, so every device behind one gateway shares its queue. */
export class ModbusLinkPool {
  private readonly links = new Map<string, ModbusLink>();

  constructor(private readonly defaults: ModbusLinkDefaults) {}

  /** The link for host:port; `overrides` (e.g. a longer timeout for a slow dongle) apply when the link is created. */
  get(host: string, port: number, overrides: Partial<ModbusLinkDefaults> = {}): ModbusLink {
    const key = `${host}:${port}`;
    let link = this.links.get(key);
    if (link === undefined) {
      link = new ModbusLink({ ...this.defaults, ...overrides, host, port });
      this.links.set(key, link);
    }
    return link;
  }

  async close(): Promise<void> {
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((link) => link.close()));
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
