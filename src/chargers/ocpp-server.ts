import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { ChargerAdapter } from './charger-adapter.ts';
import { Ocpp16Adapter, type Ocpp16AdapterOptions } from './ocpp16/ocpp16-adapter.ts';
import { Ocpp201Adapter, type Ocpp201AdapterOptions } from './ocpp201/ocpp201-adapter.ts';
import {
  OcppRpcServer, type AuthVerdict, type OcppConnection, type OcppHandshake, type OcppSubprotocol,
} from './ocpp-rpc-types.ts';
import type { ProtocolAdapter, ProtocolAdapterContext, ProtocolAdapterFactory } from './protocol-adapter.ts';
import { TransactionIdSource } from './transaction-ids.ts';

/** The admission decision for a connecting charger. Later: 'pending' (await approval) and password checks. */
export type AdmitVerdict = 'accept' | 'reject';

export interface AdmitRequest {
  identity: string;
  protocol: OcppSubprotocol;
  remoteAddress?: string;
  /** Basic-auth password sent with the upgrade, if any (for later security profile 1). Never log it. */
  password?: Buffer;
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

  constructor(private readonly options: OcppServerOptions) {
    this.transactionIds = new TransactionIdSource(options.clock);
    // The server's preference order: a charger offering both versions gets 2.0.1 (device model, string transaction
    // ids, offline-queued transaction events); another version is one more entry here plus its adapter class.
    this.factories = new Map<OcppSubprotocol, ProtocolAdapterFactory>([
      ['ocpp2.0.1', (context) => new Ocpp201Adapter({ ...options.ocpp201, ...context })],
      ['ocpp1.6', (context) => new Ocpp16Adapter({ ...options.ocpp16, ...context })],
    ]);
    this.rpc = new OcppRpcServer({
      protocols: [...this.factories.keys()],
      logger: options.logger,
      ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
      ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}),
    });
    this.rpc.auth((handshake) => this.decide(handshake));
    this.rpc.onConnection((connection) => this.onConnection(connection));
  }

  /** Starts listening; returns the bound port (pass 0 for an ephemeral one). */
  listen(port: number, host?: string): Promise<number> {
    return this.rpc.listen(port, host);
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

  /** Closes every charger socket, then the server. */
  async close(): Promise<void> {
    const open = [...this.connections.values()];
    await Promise.all(open.map((connection) => connection.close({ code: 1001, reason: 'Server shutting down' })));
    await this.rpc.close();
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
    const verdict = await this.options.admit({
      identity,
      protocol,
      ...(handshake.remoteAddress !== undefined ? { remoteAddress: handshake.remoteAddress } : {}),
      ...(handshake.password !== undefined ? { password: handshake.password } : {}),
    });
    if (verdict !== 'accept') {
      this.options.logger.info({ identity, remoteAddress: handshake.remoteAddress }, 'ocpp: unknown charger refused');
      return { accept: false, code: 401, message: 'Unknown charger' };
    }
    return { accept: true, protocol };
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
    const previous = this.connections.get(id);
    this.connections.set(id, connection);
    const adapter = this.adapterOf(id, protocol as OcppSubprotocol, factory);
    adapter.attach(connection);
    connection.onClose((info) => this.onConnectionClosed(id, connection, info));
    if (previous !== undefined) {
      this.options.logger.info({ chargerId: id }, 'ocpp: charger reconnected; closing its previous socket');
      void previous.close({ code: 1000, reason: 'Replaced by a new connection' });
    } else {
      this.options.logger.info({ chargerId: id, protocol }, 'ocpp: charger connected');
    }
    for (const listener of this.connectedListeners) this.notify(() => listener(adapter));
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
