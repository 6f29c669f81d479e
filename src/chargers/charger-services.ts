import { networkInterfaces } from 'node:os';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { SqliteDatabase } from '../store/database.ts';
import type { ChargerAdapter } from './charger-adapter.ts';
import { isCallTarget, type ChargerHooks } from './charger-hooks.ts';
import { CardAuthorizer, type AuthorizationMode } from './cards/card-authorizer.ts';
import { CardStore } from './cards/card-store.ts';
import { LocalListSync } from './cards/local-list-sync.ts';
import { ChargerJobs } from './firmware/charger-jobs.ts';
import { ChargerControl, type ControlTarget } from './remote-control/charger-control.ts';

/**
 * Cards, local lists, remote control, reservations, firmware and diagnostics jobs, wired together for main.ts. The
 * OCPP adapters reach them through `hooks`; the HTTP routers through the parts themselves.
 */

export interface ChargerServicesOptions {
  db: SqliteDatabase;
  clock: Clock;
  logger: Logger;
  dataDir: string;
  authorization: AuthorizationMode;
  /** The charger's adapter, once it has connected since start (late-bound: the OCPP server is built after this). */
  adapterFor: (chargerId: string) => ChargerAdapter | undefined;
  /** Chargers Sunplug knows (configured, approved or pending). */
  knows: (chargerId: string) => boolean;
  /** The charger's address as seen by the OCPP server, to pick the LAN address it can reach Sunplug at. */
  remoteAddressOf: (chargerId: string) => string | undefined;
  /** Sunplug's HTTP port (known once it listens). */
  httpPort: () => number;
  /** Base URL chargers use for /files, when the installer sets one (e.g. behind NAT); otherwise derived per charger. */
  advertisedBaseUrl?: string;
  maxFirmwareBytes?: number;
}

export interface ChargerServices {
  cards: CardStore;
  authorizer: CardAuthorizer;
  localLists: LocalListSync;
  control: ChargerControl;
  jobs: ChargerJobs;
  hooks: ChargerHooks;
}

export function createChargerServices(options: ChargerServicesOptions): ChargerServices {
  const { db, clock, logger } = options;
  const cards = new CardStore(db);
  const authorizer = new CardAuthorizer({ cards, clock, logger: logger.child({ part: 'cards' }), mode: options.authorization });
  const target = (id: string): ControlTarget | undefined => {
    const adapter = options.adapterFor(id);
    return isCallTarget(adapter) ? adapter : undefined;
  };
  const control = new ChargerControl({
    db, clock, logger: logger.child({ part: 'control-actions' }), knows: options.knows, target,
    grantRemote: (idTag) => authorizer.grantRemote(idTag),
  });
  const jobs = new ChargerJobs({
    db, clock, logger: logger.child({ part: 'jobs' }), dataDir: options.dataDir, control,
    filesBaseUrl: (chargerId) => options.advertisedBaseUrl?.replace(/\/+$/, '')
      ?? `http://${formatHost(lanAddressFor(options.remoteAddressOf(chargerId)))}:${options.httpPort()}`,
    ...(options.maxFirmwareBytes !== undefined ? { maxFirmwareBytes: options.maxFirmwareBytes } : {}),
  });
  // Chargers that came online since start; a card change re-syncs those still connected.
  const online = new Set<string>();
  const localLists = new LocalListSync({
    db, cards, clock, logger: logger.child({ part: 'cards' }), target,
    onlineChargers: () => [...online].filter((id) => target(id)?.online === true),
  });
  cards.onChange(() => localLists.syncAll());
  const hooks: ChargerHooks = {
    authorize: (request) => authorizer.authorize(request),
    inboundHandlers: (chargerId, protocol) => [
      ...jobs.inboundHandlers(chargerId, protocol),
      ...(protocol === 'ocpp2.0.1' ? [['ReservationStatusUpdate', (call: { params: unknown }) => control.onReservationStatusUpdate(call.params)] as const] : []),
    ],
    online: (chargerId) => {
      online.add(chargerId);
      void localLists.sync(chargerId);
    },
  };
  return { cards, authorizer, localLists, control, jobs, hooks };
}

/**
 * The local IPv4 address on the charger's subnet (the one it can reach), else the first non-internal IPv4, else
 * loopback. A charger on 127.0.0.1 (a simulator) gets 127.0.0.1.
 */
export function lanAddressFor(remoteAddress: string | undefined): string {
  const remote = remoteAddress?.replace(/^::ffff:/, '');
  if (remote === undefined || remote === '127.0.0.1' || remote === '::1') return remote === '::1' ? '::1' : '127.0.0.1';
  const candidates = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((i) => i.family === 'IPv4' && !i.internal);
  const remoteNumber = ipv4ToNumber(remote);
  if (remoteNumber !== undefined) {
    for (const candidate of candidates) {
      const address = ipv4ToNumber(candidate.address);
      const mask = ipv4ToNumber(candidate.netmask);
      if (address !== undefined && mask !== undefined && ((address & mask) >>> 0) === ((remoteNumber & mask) >>> 0)) return candidate.address;
    }
  }
  return candidates[0]?.address ?? '127.0.0.1';
}

function ipv4ToNumber(text: string): number | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
