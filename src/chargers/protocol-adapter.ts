import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { ChargerAdapter } from './charger-adapter.ts';
import type { OcppConnection, OcppSubprotocol } from './ocpp-rpc-types.ts';
import type { TransactionIdSource } from './transaction-ids.ts';

/**
 * A ChargerAdapter for one OCPP version, as the server drives it. The adapter outlives connections: the control loop
 * keeps one object per charger id, and the server attaches each new socket of that charger to it.
 */
export interface ProtocolAdapter extends ChargerAdapter {
  readonly protocol: OcppSubprotocol;
  /** Takes over `connection` (a newer socket replaces an older one) and registers its message handlers. */
  attach(connection: OcppConnection): void;
  /** Forgets `connection` if it is still the current one (the charger goes offline); returns whether it was. */
  detach(connection: OcppConnection): boolean;
}

/** What the server hands every adapter it creates. */
export interface ProtocolAdapterContext {
  id: string;
  clock: Clock;
  logger: Logger;
  /** Site phase-to-neutral voltage, V (from the site config, never a hard-coded 230). */
  voltageV: number;
  transactionIds: TransactionIdSource;
}

export type ProtocolAdapterFactory = (context: ProtocolAdapterContext) => ProtocolAdapter;
