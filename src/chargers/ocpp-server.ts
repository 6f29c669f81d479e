import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { bootIdentityOf, servePendingCharger, type BootIdentity } from './admission/pending-charger.ts';
import type { ChargerAdapter } from './charger-adapter.ts';
import { OcppMessageLog, type OcppLogEntry } from './message-log.ts';
import { Ocpp16Adapter, type Ocpp16AdapterOptions } from './ocpp16/ocpp16-adapter.ts';
import { Ocpp201Adapter, type Ocpp201AdapterOptions } from './ocpp201/ocpp201-adapter.ts';
import {
  OcppRpcServer, type AuthVerdict, type OcppConnection, type OcppHandshake, type OcppSubprotocol,
} from './ocpp-rpc-types.ts';
import type { ProtocolAdapter, ProtocolAdapterContext, ProtocolAdapterFactory } from './protocol-adapter.ts';
import type { SecurityEventLog } from './security/security-events.ts';
import { TransactionIdSource } from './transaction-ids.ts';

/**
 * The admission decision for a connecting charger (see admission/charger-admission.ts): accept it; let it connect
 * but hold it as pending (BootNotification Pending, no adapter, no control) until the homeowner approves it; or
 * refuse the upgrade ('reject' for an id that may not connect, 'unauthorized' for a missing or wrong password; both
 * are answered 401, so a prober cannot tell which ids exist).
 */
export type AdmitVerdict = 'accept' | 'pending' | 'reject' | 'unauthorized';

export interface AdmitRequest {
  identity: string;
  protocol: OcppSubprotocol;
  remoteAddress?: string;
  /** Basic-auth password sent with the upgrade (security profile 1), when its user name is the id. Never log it. */
  password?: Buffer;
  /** The charger presented a client certificate of our CA whose common name is its id (security profile 3). */
  certificateVerified?: boolean;
}

/** The certificate and key of the wss:// server, and the CA that client certificates must chain to. */
export interface OcppTlsMaterial {
  certPem: string;
  keyPem: string;
  caPem?: string;
}

/** Per-version adapter settings. */
export type Ocpp16Settings = Omit<Ocpp16AdapterOptions, keyof ProtocolAdapterContext>;
export type Ocpp201Settings = Omit<Ocpp201AdapterOptions, keyof ProtocolAdapterContext>;

export interface OcppServerOptions {
  clock: Clock;
  logger: Logger;
  /** Which charger ids may connect. Called for every upgrade; a throw or rejection refuses it. */
  admit: (request: AdmitRequest) => AdmitVerdict | Promise<AdmitVerdict>;
  /** Site phase-to-neutral voltage, V: turns A limits into W for chargers that take only power. */
  voltageV: number;
  ocpp16?: Ocpp16Settings;
  ocpp201?: Ocpp201Settings;
  /** Outbound call timeout, ms (ocpp-rpc default 30000). */
  callTimeoutMs?: number;
  /** WebSocket ping interval, ms; below 90 s keeps chargers that stall silently honest (reference §3). */
  pingIntervalMs?: number;
  /** 1.6 settings of single chargers (phases, connector), laid over `ocpp16`. */
  ocpp16For?: (id: string) => Ocpp16Settings | undefined;
  /** 2.0.1 settings of single stations (phases), laid over `ocpp201`. */
  ocpp201For?: (id: string) => Ocpp201Settings | undefined;
  /** Frames of every charger, both directions; the server records into its own when none is given. */
  messageLog?: OcppMessageLog;
  /** Interval a pending charger is told to wait before its next BootNotification, s. Default 30. */
  pendingBootIntervalS?: number;
  /** Largest OCPP frame accepted, bytes; a charger sending a bigger one is disconnected (1009). Default 65536. */
  maxFrameBytes?: number;
  /** Security profiles 2 and 3: refuse upgrades that did not come over TLS (on whatever server they arrive). */
  requireTls?: boolean;
  /** Security profile 3: a client certificate from our CA whose common name is the charger id is required. */
  requireClientCertificate?: boolean;
  /** Where SecurityEventNotifications of every charger (either version, also pending ones) are recorded. */
  securityEvents?: SecurityEventLog;
}

export const DEFAULT_MAX_FRAME_BYTES = 65_536;

/** What the server knows about a charger's connection, whatever its protocol and admission state. */
export interface ChargerConnectionInfo {
  connected: boolean;
  /** Connected, but held as pending (awaiting approval). */
  pending: boolean;
  protocol?: string;
  remoteAddress?: string;
  connectedAtMs?: number;
  /** From its last BootNotification on any connection since start. */
  boot?: BootIdentity;
  lastBootAtMs?: number;
}

export interface DisconnectInfo {
  /** True when a newer socket of the same charger had already replaced this one: the charger stays online. */
  replaced: boolean;
  code?: number;
  reason?: string;
}

/**
 * The OCPP-J central system: accepts wallboxes at ws://host:port/<any prefix>/<chargerId>, picks the adapter from the
 * negotiated subprotocol, and keeps exactly one live connection per charger id.
 */
export class OcppServer {
  private readonly rpc: OcppRpcServer;
  private readonly factories: ReadonlyMap<OcppSubprotocol, ProtocolAdapterFactory>;
  private readonly transactionIds: TransactionIdSource;
  private readonly connections = new Map<string, OcppConnection>();
  private readonly adapters = new Map<string, ProtocolAdapter>();
  private readonly connectedListeners = new Set<(adapter: ChargerAdapter) => void>();
  private readonly disconnectedListeners = new Set<(adapter: ChargerAdapter, info: DisconnectInfo) => void>();
  /** Connections held as pending: they have no adapter until promoted. */
  private readonly pendingConnections = new Set<OcppConnection>();
  private readonly connectedAtMs = new Map<OcppConnection, number>();
  private readonly boots = new Map<string, { boot: BootIdentity; atMs: number }>();
  private readonly messageLog: OcppMessageLog;
  private tlsServer: HttpsServer | undefined;

  constructor(private readonly options: OcppServerOptions) {
    this.transactionIds = new TransactionIdSource(options.clock);
    this.messageLog = options.messageLog ?? new OcppMessageLog();
    // The server's preference order: a charger offering both versions gets 2.0.1 (device model, string transaction
    // ids, offline-queued transaction events); another version is one more entry here plus its adapter class.
    this.factories = new Map<OcppSubprotocol, ProtocolAdapterFactory>([
      ['ocpp2.0.1', (context) => new Ocpp201Adapter({ ...options.ocpp201, ...options.ocpp201For?.(context.id), ...context })],
      ['ocpp1.6', (context) => new Ocpp16Adapter({ ...options.ocpp16, ...options.ocpp16For?.(context.id), ...context })],
    ]);
    this.rpc = new OcppRpcServer({
      protocols: [...this.factories.keys()],
      logger: options.logger,
      ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
      ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}),
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    });
    this.rpc.auth((handshake) => this.decide(handshake));
    this.rpc.onConnection((connection) => this.onConnection(connection));
  }

  /** Starts listening; returns the bound port (pass 0 for an ephemeral one). */
  listen(port: number, host?: string): Promise<number> {
    return this.rpc.listen(port, host);
  }

  /**
   * Starts the wss:// listener (security profiles 2 and 3); returns the bound port. TLS 1.2 at least (OCPP security
   * whitepaper). A client certificate is asked for when `requireClientCertificate` is set, but not enforced by the TLS
   * layer: the upgrade is then refused with 401 and a log line that says why, instead of a bare handshake failure.
   */
  async listenTls(port: number, host: string | undefined, material: OcppTlsMaterial): Promise<number> {
    if (this.tlsServer !== undefined) throw new Error('the TLS listener is already running');
    const requestCert = this.options.requireClientCertificate === true;
    const server = createHttpsServer({
      cert: material.certPem, key: material.keyPem, minVersion: 'TLSv1.2',
      requestCert, rejectUnauthorized: false,
      ...(requestCert && material.caPem !== undefined ? { ca: [material.caPem] } : {}),
    }, (_request, response) => {
      response.statusCode = 404;
      response.end();
    });
    server.on('tlsClientError', (error) => this.options.logger.info({ reason: error.message }, 'ocpp: TLS handshake failed'));
    this.rpc.attach(server);
    this.tlsServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** Loads a renewed server certificate; connections that exist keep theirs, new ones get the new one. */
  updateTlsMaterial(material: OcppTlsMaterial): void {
    const requestCert = this.options.requireClientCertificate === true;
    this.tlsServer?.setSecureContext({
      cert: material.certPem, key: material.keyPem, minVersion: 'TLSv1.2',
      ...(requestCert && material.caPem !== undefined ? { ca: [material.caPem] } : {}),
    });
  }

  /** The adapter of a charger that has connected at least once since start (it reports 'offline' while away). */
  adapterFor(id: string): ChargerAdapter | undefined {
    return this.adapters.get(id);
  }

  /** Called on every (re)connection; a reconnect of the same version hands over the same adapter object. */
  onChargerConnected(listener: (adapter: ChargerAdapter) => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  /** Called for every closed socket, including ones replaced by a newer connection (`info.replaced`). */
  onChargerDisconnected(listener: (adapter: ChargerAdapter, info: DisconnectInfo) => void): () => void {
    this.disconnectedListeners.add(listener);
    return () => this.disconnectedListeners.delete(listener);
  }

  /** Connection, admission state and self-description of a charger (also a pending one). */
  connectionInfo(id: string): ChargerConnectionInfo {
    const connection = this.connections.get(id);
    const boot = this.boots.get(id);
    const remoteAddress = connection?.session.remoteAddress;
    const connectedAtMs = connection !== undefined ? this.connectedAtMs.get(connection) : undefined;
    return {
      connected: connection !== undefined,
      pending: connection !== undefined && this.pendingConnections.has(connection),
      ...(connection !== undefined ? { protocol: connection.protocol } : {}),
      ...(typeof remoteAddress === 'string' ? { remoteAddress } : {}),
      ...(connectedAtMs !== undefined ? { connectedAtMs } : {}),
      ...(boot !== undefined ? { boot: { ...boot.boot }, lastBootAtMs: boot.atMs } : {}),
    };
  }

  /** The last OCPP frames exchanged with a charger, newest first (secrets redacted; see message-log.ts). */
  ocppLog(id: string, limit?: number): OcppLogEntry[] {
    return this.messageLog.entries(id, limit);
  }

  /**
   * Turns a pending charger's live connection into a controlled one (it was approved and needs no password): its
   * adapter takes over, and the charger is asked to boot again, which the adapter answers with Accepted. False when
   * the charger is not connected as pending.
   */
  promote(id: string): boolean {
    const connection = this.connections.get(id);
    if (connection === undefined || !this.pendingConnections.has(connection)) return false;
    const factory = this.factories.get(connection.protocol as OcppSubprotocol);
    if (factory === undefined) return false;
    this.pendingConnections.delete(connection);
    this.options.logger.info({ chargerId: id }, 'ocpp: approved charger promoted; asking it to boot again');
    this.activate(id, connection, factory);
    // TriggerMessage has the same payload in 1.6 and 2.0.1. Without it the charger still boots at its next retry.
    connection.call('TriggerMessage', { requestedMessage: 'BootNotification' }).catch((error: unknown) => {
      this.options.logger.debug({ chargerId: id, err: error }, 'ocpp: TriggerMessage BootNotification after approval failed');
    });
    return true;
  }

  /** Closes a charger's connection (e.g. so that it reconnects with its new password); false when it has none. */
  async disconnect(id: string, reason: string): Promise<boolean> {
    const connection = this.connections.get(id);
    if (connection === undefined) return false;
    await connection.close({ code: 1000, reason });
    return true;
  }

  /** Closes every charger socket, then the server. */
  async close(): Promise<void> {
    const open = [...this.connections.values()];
    await Promise.all(open.map((connection) => connection.close({ code: 1001, reason: 'Server shutting down' })));
    await this.rpc.close();
    const tls = this.tlsServer;
    if (tls !== undefined) {
      this.tlsServer = undefined;
      tls.closeAllConnections();
      await new Promise<void>((resolve) => tls.close(() => resolve()));
    }
  }

  private async decide(handshake: OcppHandshake): Promise<AuthVerdict> {
    const { identity } = handshake;
    if (handshake.protocols.size === 0) {
      // ocpp-rpc would accept it with an empty protocol and skip all validation (reference §1.1).
      return { accept: false, code: 400, message: 'A Sec-WebSocket-Protocol (e.g. ocpp1.6) is required' };
    }
    const protocol = [...this.factories.keys()].find((p) => handshake.protocols.has(p));
    if (protocol === undefined) {
      this.options.logger.info({ identity, offered: [...handshake.protocols] }, 'ocpp: no supported subprotocol');
      return { accept: false, code: 400, message: 'No supported OCPP subprotocol' };
    }
    const transportProblem = this.transportProblem(handshake);
    if (transportProblem !== undefined) {
      this.options.logger.warn({ identity, remoteAddress: handshake.remoteAddress, reason: transportProblem.reason }, 'ocpp: connection refused');
      return { accept: false, code: transportProblem.code, message: transportProblem.message };
    }
    const verdict = await this.options.admit({
      identity,
      protocol,
      ...(handshake.remoteAddress !== undefined ? { remoteAddress: handshake.remoteAddress } : {}),
      ...(handshake.password !== undefined ? { password: handshake.password } : {}),
      ...(this.options.requireClientCertificate === true ? { certificateVerified: true } : {}),
    });
    const session = handshake.remoteAddress !== undefined ? { remoteAddress: handshake.remoteAddress } : {};
    if (verdict === 'accept') return { accept: true, protocol, session };
    if (verdict === 'pending') return { accept: true, protocol, session: { ...session, pending: true } };
    // Never the password, not even its length: the admission has logged the reason already.
    this.options.logger.debug({ identity, remoteAddress: handshake.remoteAddress, verdict }, 'ocpp: connection refused');
    return { accept: false, code: 401, message: 'Unauthorized' };
  }

  /** Security profiles 2 and 3: TLS, and for 3 a valid client certificate naming this charger. */
  private transportProblem(handshake: OcppHandshake): { code: number; message: string; reason: string } | undefined {
    if (this.options.requireTls !== true && this.options.requireClientCertificate !== true) return undefined;
    if (!handshake.secure) return { code: 403, message: 'TLS required (wss://)', reason: 'not over TLS' };
    if (this.options.requireClientCertificate !== true) return undefined;
    const certificate = handshake.clientCertificate;
    const unauthorized = (reason: string): { code: number; message: string; reason: string } => ({ code: 401, message: 'Unauthorized', reason });
    if (certificate === undefined) return unauthorized('no client certificate (security profile 3)');
    if (!certificate.verified) return unauthorized(`client certificate not accepted: ${certificate.problem ?? 'not issued by the Sunplug CA'}`);
    if (certificate.commonName !== handshake.identity) {
      return unauthorized(`client certificate is for "${certificate.commonName ?? '(no common name)'}", not this charger id`);
    }
    return undefined;
  }

  private onConnection(connection: OcppConnection): void {
    const id = connection.identity;
    const protocol = connection.protocol;
    const factory = this.factories.get(protocol as OcppSubprotocol);
    if (factory === undefined) {
      // Cannot happen after decide(); closing is still safer than serving an unknown protocol.
      void connection.close({ code: 1002, reason: 'Unsupported subprotocol' });
      return;
    }
    this.watchFrames(id, connection);
    const previous = this.connections.get(id);
    this.connections.set(id, connection);
    this.connectedAtMs.set(connection, this.options.clock.nowMs());
    connection.onClose((info) => this.onConnectionClosed(id, connection, info));
    if (previous !== undefined) {
      this.options.logger.info({ chargerId: id }, 'ocpp: charger reconnected; closing its previous socket');
      void previous.close({ code: 1000, reason: 'Replaced by a new connection' });
    } else {
      this.options.logger.info({ chargerId: id, protocol }, 'ocpp: charger connected');
    }
    if (connection.session.pending === true) {
      this.pendingConnections.add(connection);
      servePendingCharger(connection, { clock: this.options.clock, intervalS: this.options.pendingBootIntervalS ?? 30 });
      return;
    }
    this.activate(id, connection, factory);
  }

  private activate(id: string, connection: OcppConnection, factory: ProtocolAdapterFactory): void {
    const adapter = this.adapterOf(id, connection.protocol as OcppSubprotocol, factory);
    adapter.attach(connection);
    for (const listener of this.connectedListeners) this.notify(() => listener(adapter));
  }

  /** Records every frame in the message log, what the charger says about itself when it boots, and security events. */
  private watchFrames(id: string, connection: OcppConnection): void {
    connection.onFrame((direction, frame) => {
      const atMs = this.options.clock.nowMs();
      this.messageLog.record(id, direction, frame, atMs);
      if (direction !== 'in') return;
      const text = typeof frame === 'string' ? frame : frame.toString('utf8');
      const isBoot = text.includes('"BootNotification"');
      const isSecurityEvent = this.options.securityEvents !== undefined && text.includes('"SecurityEventNotification"');
      if (!isBoot && !isSecurityEvent) return;
      const latest = this.messageLog.entries(id, 1)[0];
      if (latest?.kind !== 'CALL') return;
      if (latest.action === 'BootNotification') {
        const boot = bootIdentityOf(latest.payload);
        if (boot !== undefined) this.boots.set(id, { boot, atMs });
      } else if (latest.action === 'SecurityEventNotification') {
        this.options.securityEvents?.record(id, latest.payload, atMs);
      }
    });
  }

  private adapterOf(id: string, protocol: OcppSubprotocol, factory: ProtocolAdapterFactory): ProtocolAdapter {
    const existing = this.adapters.get(id);
    if (existing !== undefined && existing.protocol === protocol) return existing;
    const { clock, logger, voltageV } = this.options;
    const adapter = factory({ id, clock, logger: logger.child({ chargerId: id }), voltageV, transactionIds: this.transactionIds });
    this.adapters.set(id, adapter);
    return adapter;
  }

  private onConnectionClosed(id: string, connection: OcppConnection, info: { code?: number; reason?: string }): void {
    // The close of a replaced socket can arrive after its successor connected: remove only our own entry.
    const current = this.connections.get(id) === connection;
    if (current) this.connections.delete(id);
    this.connectedAtMs.delete(connection);
    if (this.pendingConnections.delete(connection)) {
      if (current) this.options.logger.info({ chargerId: id, code: info.code }, 'ocpp: pending charger disconnected');
      return;
    }
    const adapter = this.adapters.get(id);
    if (adapter === undefined) return;
    const detached = adapter.detach(connection);
    if (current) this.options.logger.info({ chargerId: id, code: info.code }, 'ocpp: charger disconnected');
    const replaced = !current || !detached;
    for (const listener of this.disconnectedListeners) this.notify(() => listener(adapter, { ...info, replaced }));
  }

  private notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.options.logger.error({ err: error }, 'ocpp: listener failed');
    }
  }
}
