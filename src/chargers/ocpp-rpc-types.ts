import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import rpc from 'ocpp-rpc';
import type { RPC_ClientOptions } from 'ocpp-rpc/lib/client.js';
import type * as ServerClientModule from 'ocpp-rpc/lib/server-client.js';
import * as standardValidatorsModule from 'ocpp-rpc/lib/standard-validators.js';
import { Validator } from 'ocpp-rpc/lib/validator.js';
import type { Logger } from '../platform/logger.ts';

/**
 * A thin typed wrapper over ocpp-rpc 2.2.1, so that its loose typings (`call()` returns `Promise<unknown>`, untyped
 * server events, every client option marked required, `close()` needing an argument) stay in this file.
 *
 * Validation policy (reference §1.2 #3): we never turn on ocpp-rpc's strictMode on the CSMS side, because it would
 * answer real chargers' slightly-off frames with CALLERRORs. Instead every frame WE send is checked against
 * ocpp-rpc's bundled schema before it leaves (an invalid one is never sent), and every frame we receive is checked
 * in log-only mode; the handlers then read what they need with tolerant zod schemas.
 */

// ocpp-rpc is CommonJS: under NodeNext the `default` of a lib module is its module.exports, for tsc and Node alike.
type RpcClientBase = InstanceType<typeof rpc.RPCClient>;
type RpcServerClient = ServerClientModule.default;
/**
 * ocpp-rpc's own validators over its bundled schemas (1.6, 2.0.1, 2.1), built once when the library loads. Its .d.ts
 * declares an ES default export but the file sets module.exports to the array, so narrow at run time instead of casting.
 */
const loadedValidators: unknown = standardValidatorsModule.default;
const standardValidators: readonly Validator[] = Array.isArray(loadedValidators)
  ? loadedValidators.filter((candidate): candidate is Validator => candidate instanceof Validator)
  : [];

/** The OCPP-J subprotocols Sunplug can serve, in the order the server prefers them. */
export type OcppSubprotocol = 'ocpp1.6' | 'ocpp2.0.1';

export interface InboundCall {
  method: string;
  params: unknown;
  messageId: string;
  signal: AbortSignal;
}

/** Returns the CALLRESULT payload; a throw becomes a CALLERROR (use `rpcError`). */
export type InboundHandler = (call: InboundCall) => Promise<unknown>;

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Thrown by `OcppConnection.call()` when the frame we were about to send fails the schema: it is not sent. */
export class OutboundValidationError extends Error {
  override readonly name = 'OutboundValidationError';
}

/** What went wrong with an outbound call, in words the adapters map to their outcomes. */
export type CallFailureKind = 'call-error' | 'timeout' | 'not-connected' | 'invalid-outbound' | 'other';

export function describeCallFailure(error: unknown): { kind: CallFailureKind; detail: string } {
  if (error instanceof OutboundValidationError) return { kind: 'invalid-outbound', detail: error.message };
  if (error instanceof rpc.TimeoutError) return { kind: 'timeout', detail: 'call timed out' };
  if (error instanceof rpc.RPCError) return { kind: 'call-error', detail: `${error.rpcErrorCode}: ${error.message}` };
  const message = error instanceof Error ? error.message : String(error);
  // ocpp-rpc rejects with plain Errors when the socket is closed or closes while a call is pending.
  if (/socket not open|disconnected|going away/i.test(message)) return { kind: 'not-connected', detail: message };
  return { kind: 'other', detail: message };
}

/** An error that ocpp-rpc turns into a CALLERROR with this OCPP error code. */
export function rpcError(code: 'NotImplemented' | 'NotSupported' | 'InternalError' | 'GenericError', message?: string): unknown {
  return rpc.createRPCError(code, message);
}

function validatorFor(protocol: string): Validator | undefined {
  return standardValidators.find((validator) => validator.subprotocol === protocol);
}

/** Returns the schema complaint, or undefined when `params` fits `urn:<method>.<suffix>` (or no schema is known). */
export function schemaProblem(protocol: string, schemaId: string, params: unknown): string | undefined {
  const validator = validatorFor(protocol);
  if (validator === undefined) return undefined;
  try {
    validator.validate(schemaId, params);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

interface ResponseEvent {
  outbound: boolean;
  payload: unknown[];
}

/**
 * One OCPP-J WebSocket connection on either side (an ocpp-rpc server client or client), typed. Handlers never crash
 * the process: a throw becomes a CALLERROR, and an unexpected one is logged.
 */
export class OcppConnection {
  constructor(
    protected readonly client: RpcClientBase,
    readonly identity: string,
    protected readonly logger: Logger,
  ) {
    client.on('badMessage', (event: { error?: unknown }) => {
      this.logger.warn({ err: event.error }, 'ocpp: malformed frame (answered with CALLERROR when possible)');
    });
    client.on('socketError', (error: unknown) => {
      if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        // ws has closed the socket with 1009; the charger reconnects, and the oversized frame is gone.
        this.logger.warn('ocpp: charger sent a frame above the size limit (ocpp.maxFrameBytes); connection closed');
        return;
      }
      this.logger.debug({ err: error }, 'ocpp: socket error');
    });
  }

  /** The negotiated subprotocol ('' when none). */
  get protocol(): string {
    return this.client.protocol ?? '';
  }

  /** What the server's admission decided for this connection (AuthVerdict.session); {} on the client side. */
  get session(): Readonly<Record<string, unknown>> {
    const session: unknown = 'session' in this.client ? this.client.session : undefined;
    return typeof session === 'object' && session !== null ? { ...session } : {};
  }

  /** Every text frame as it goes over the wire, both directions ('in' = received), e.g. for the OCPP message log. */
  onFrame(listener: (direction: 'in' | 'out', frame: string | Buffer) => void): void {
    this.client.on('message', (event: { message?: unknown; outbound?: boolean }) => {
      const { message } = event;
      if (typeof message === 'string' || Buffer.isBuffer(message)) listener(event.outbound === true ? 'out' : 'in', message);
    });
  }

  /** Sends a CALL after checking it against the schema; rejects on CALLERROR, timeout or a closed socket. */
  async call(method: string, params: object, options: CallOptions = {}): Promise<unknown> {
    const problem = schemaProblem(this.protocol, `urn:${method}.req`, params);
    if (problem !== undefined) throw new OutboundValidationError(`${method}: ${problem}`);
    const callOptions: Record<string, unknown> = {};
    if (options.timeoutMs !== undefined) callOptions.callTimeoutMs = options.timeoutMs;
    if (options.signal !== undefined) callOptions.signal = options.signal;
    return this.client.call(method, params, callOptions);
  }

  /** Answers `method`; methods without a handler get ocpp-rpc's NotImplemented CALLERROR. */
  handle(method: string, handler: InboundHandler): void {
    this.client.handle(method, async ({ params, messageId, signal }: { params?: unknown; messageId?: string; signal?: AbortSignal }) => {
      const inboundProblem = schemaProblem(this.protocol, `urn:${method}.req`, params);
      if (inboundProblem !== undefined) {
        this.logger.warn({ method, problem: inboundProblem }, 'ocpp: inbound call does not match the schema; handling it tolerantly');
      }
      let result: unknown;
      try {
        result = await handler({ method, params, messageId: messageId ?? '', signal: signal ?? new AbortController().signal });
      } catch (error) {
        if (error instanceof rpc.RPCError) throw error;
        this.logger.error({ err: error, method }, 'ocpp: handler failed');
        throw rpc.createRPCError('InternalError', 'handler failed');
      }
      const outboundProblem = schemaProblem(this.protocol, `urn:${method}.conf`, result);
      if (outboundProblem !== undefined) {
        // Our own bug: say so loudly, but answer anyway; a charger waiting on a reply is worse off without one.
        this.logger.error({ method, problem: outboundProblem }, 'ocpp: our response does not match the schema');
      }
      // ocpp-rpc's typings want a record; it sends whatever JSON value the handler returns.
      return result as Record<string, unknown>;
    });
  }

  /**
   * Resolves true once the reply to inbound call `messageId` has been written to the socket (false if the connection
   * closes first). Lets a handler send its own CALL strictly after its answer, as OCPP expects (e.g. configure a
   * charger only after its BootNotification was accepted).
   */
  afterReply(messageId: string): Promise<boolean> {
    return new Promise((resolve) => {
      const onResponse = (event: ResponseEvent): void => {
        if (!event.outbound || event.payload[1] !== messageId) return;
        cleanup();
        // ocpp-rpc writes the frame synchronously right after this event; a microtask later it is on the wire.
        queueMicrotask(() => resolve(true));
      };
      const onClose = (): void => {
        cleanup();
        resolve(false);
      };
      const cleanup = (): void => {
        this.client.off('response', onResponse);
        this.client.off('close', onClose);
      };
      this.client.on('response', onResponse);
      this.client.once('close', onClose);
    });
  }

  /** Called once when the connection is closed for good (a client with reconnect closes only when stopped). */
  onClose(listener: (info: { code?: number; reason?: string }) => void): void {
    this.client.once('close', (info: { code?: number; reason?: string } | undefined) => listener(info ?? {}));
  }

  async close(options: { code?: number; reason?: string; force?: boolean } = {}): Promise<void> {
    try {
      await this.client.close({ code: options.code ?? 1000, reason: options.reason ?? '', force: options.force ?? false });
    } catch (error) {
      this.logger.debug({ err: error }, 'ocpp: close failed');
    }
  }
}

export interface OcppHandshake {
  identity: string;
  /** URL path before the identity, e.g. '/ocpp'. */
  endpoint: string;
  /** Subprotocols the client offered (empty when it sent no Sec-WebSocket-Protocol). */
  protocols: ReadonlySet<string>;
  remoteAddress?: string;
  /** Basic-auth password, only when its user name equals the identity. */
  password?: Buffer;
  /** True when the upgrade came over TLS (wss://). */
  secure: boolean;
  /** The client certificate the charger presented over TLS (security profile 3), if any. */
  clientCertificate?: ClientCertificateInfo;
}

export interface ClientCertificateInfo {
  /** True when it chains to a CA the TLS server trusts and is within its validity. */
  verified: boolean;
  /** Why it was not verified (the TLS library's code, e.g. CERT_HAS_EXPIRED). */
  problem?: string;
  commonName?: string;
  fingerprint256?: string;
}

/** `session` travels with an accepted connection (OcppConnection.session), e.g. to mark it as awaiting approval. */
export type AuthVerdict = { accept: true; protocol: string; session?: Record<string, unknown> } | { accept: false; code: number; message: string };

export interface RpcServerOptions {
  protocols: readonly string[];
  logger: Logger;
  callTimeoutMs?: number;
  pingIntervalMs?: number;
  /** Largest frame accepted, bytes; a bigger one closes that socket with 1009 (ws default would be 100 MiB). */
  maxFrameBytes?: number;
}

/** ocpp-rpc's RPCServer with typed auth, connection and listen. */
export class OcppRpcServer {
  private readonly server: InstanceType<typeof rpc.RPCServer>;

  constructor(private readonly options: RpcServerOptions) {
    this.server = new rpc.RPCServer({
      protocols: [...options.protocols],
      strictMode: false,
      callConcurrency: 1, // OCPP allows one outbound CALL in flight per connection.
      ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
      ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}),
      ...(options.maxFrameBytes !== undefined ? { wssOptions: { maxPayload: options.maxFrameBytes } } : {}),
    });
    this.server.on('error', (error: unknown) => options.logger.error({ err: error }, 'ocpp: server error'));
    this.server.on('upgradeAborted', (event: { identity?: string; error?: unknown }) => {
      options.logger.info({ identity: event.identity, reason: errorMessage(event.error) }, 'ocpp: connection refused');
    });
  }

  /** Decides every WebSocket upgrade. A throwing or rejecting `decide` refuses the connection (500). */
  auth(decide: (handshake: OcppHandshake) => Promise<AuthVerdict>): void {
    this.server.auth((accept, reject, handshake) => {
      const info: OcppHandshake = {
        identity: handshake.identity,
        endpoint: handshake.endpoint,
        protocols: handshake.protocols,
        ...(handshake.remoteAddress !== undefined ? { remoteAddress: handshake.remoteAddress } : {}),
        ...(handshake.password !== undefined ? { password: handshake.password } : {}),
        ...tlsFacts(handshake.request.socket),
      };
      decide(info).then((verdict) => {
        if (verdict.accept) accept(verdict.session ?? {}, verdict.protocol);
        else reject(verdict.code, verdict.message);
      }, (error: unknown) => {
        this.options.logger.error({ err: error, identity: info.identity }, 'ocpp: admission check failed');
        reject(500, 'Internal error');
      });
    });
  }

  onConnection(listener: (connection: OcppConnection) => void): void {
    this.server.on('client', (client: RpcServerClient) => {
      const identity = client.identity ?? client.handshake.identity;
      listener(new OcppConnection(client, identity, this.options.logger.child({ chargerId: identity })));
    });
  }

  /** Serves WebSocket upgrades arriving at a server Sunplug created itself (e.g. the https server of wss://). */
  attach(httpServer: HttpServer): void {
    httpServer.on('upgrade', this.server.handleUpgrade);
  }

  /** Listens on plain HTTP and returns the bound port (works with port 0). */
  async listen(port: number, host?: string): Promise<number> {
    const httpServer = await this.server.listen(port, host);
    return (httpServer.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await this.server.close({ code: 1001, reason: 'Server shutting down' });
  }
}

export interface RpcClientOptions {
  identity: string;
  /** Server URL without the identity, e.g. ws://127.0.0.1:8887/ocpp. */
  endpoint: string;
  protocols: readonly string[];
  logger: Logger;
  reconnect: boolean;
  /** Validate both directions with ocpp-rpc's schemas (right for a simulator: it tells us when the CSMS errs). */
  strictMode: boolean;
  password?: string;
  callTimeoutMs?: number;
  /** First reconnect delay, ms (ocpp-rpc default 1000, doubling up to 10 s, randomised by 25 %). */
  reconnectDelayMs?: number;
}

/** The charge-point side of a connection (ocpp-rpc's RPCClient), for simulators and test charge points. */
export class OcppClientConnection extends OcppConnection {
  constructor(options: RpcClientOptions) {
    // ocpp-rpc's typings mark every client option required although the library fills defaults for the rest.
    const clientOptions = {
      identity: options.identity,
      endpoint: options.endpoint,
      protocols: [...options.protocols],
      reconnect: options.reconnect,
      strictMode: options.strictMode,
      callConcurrency: 1,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
      ...(options.reconnectDelayMs !== undefined
        ? { backoff: { initialDelay: options.reconnectDelayMs, maxDelay: Math.max(10_000, 2 * options.reconnectDelayMs), factor: 2, randomisationFactor: 0.25 } }
        : {}),
    } as RPC_ClientOptions;
    super(new rpc.RPCClient(clientOptions), options.identity, options.logger);
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** Called on every successful (re)connect. */
  onOpen(listener: () => void): void {
    this.client.on('open', () => listener());
  }
}

/** Whether the socket is TLS, and what its peer's certificate says (read before ocpp-rpc hands the socket to ws). */
function tlsFacts(socket: unknown): { secure: boolean; clientCertificate?: ClientCertificateInfo } {
  if (!(socket instanceof TLSSocket)) return { secure: false };
  const peer = socket.getPeerCertificate();
  // An empty object means the client sent no certificate.
  if (peer === null || typeof peer !== 'object' || Object.keys(peer).length === 0) return { secure: true };
  const commonName = typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined;
  const problem = socket.authorizationError;
  return {
    secure: true,
    clientCertificate: {
      verified: socket.authorized,
      ...(problem !== undefined && problem !== null ? { problem: String(problem) } : {}),
      ...(commonName !== undefined ? { commonName } : {}),
      ...(typeof peer.fingerprint256 === 'string' ? { fingerprint256: peer.fingerprint256 } : {}),
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
