import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { OcppServer } from '../ocpp-server.ts';
import type { SecurityProfile } from '../admission/charger-admission.ts';
import { TlsStore, type InstallerTlsFiles } from './tls-store.ts';

/** How often the server certificate is checked for renewal (it renews 30 days before expiry, so daily is plenty). */
const RENEWAL_CHECK_MS = 6 * 3_600_000;

export interface OcppListenSettings {
  securityProfile: SecurityProfile;
  host: string;
  port: number;
  tlsPort: number;
  tls?: { certFile?: string | undefined; keyFile?: string | undefined; caFile?: string | undefined; hostNames?: readonly string[] } | undefined;
}

export interface OcppListeners {
  /** The port chargers connect to: the wss:// port under profiles 2 and 3, else the ws:// one. */
  port: number;
  /** Base URL for chargers on this machine, without the charger id. */
  url: string;
  /** Generated or installer TLS material (profiles 2 and 3). */
  tls: TlsStore | undefined;
  /** Stops the renewal timer (the server closes its listeners itself). */
  stop(): void;
}

/**
 * Loads or creates the TLS material for security profiles 2 and 3 (undefined for 0 and 1). Call it before anything
 * listens: a broken TLS file throws a TlsConfigurationError naming it, and Sunplug does not start.
 */
export async function openTlsStore(settings: OcppListenSettings, context: { dataDir: string; clock: Clock; logger: Logger }): Promise<TlsStore | undefined> {
  if (settings.securityProfile < 2) return undefined;
  const { tls } = settings;
  const files: InstallerTlsFiles | undefined = tls?.certFile !== undefined && tls.keyFile !== undefined
    ? { certFile: tls.certFile, keyFile: tls.keyFile, ...(tls.caFile !== undefined ? { caFile: tls.caFile } : {}) }
    : undefined;
  return TlsStore.open({
    dataDir: context.dataDir, clock: context.clock, logger: context.logger,
    ...(tls?.hostNames !== undefined ? { extraNames: tls.hostNames } : {}),
    ...(files !== undefined ? { files } : {}),
  });
}

/**
 * Opens the OCPP listeners for the security profile: ws:// for 0 and 1; for 2 and 3 only wss:// with `store`'s
 * material (the plain port stays closed, so no charger can fall back to it), the server certificate renewed while
 * Sunplug runs.
 */
export async function openOcppListeners(
  server: OcppServer, settings: OcppListenSettings, store: TlsStore | undefined, context: { clock: Clock; logger: Logger },
): Promise<OcppListeners> {
  if (settings.securityProfile < 2) {
    const port = await server.listen(settings.port, settings.host);
    return { port, url: `ws://127.0.0.1:${port}/ocpp`, tls: undefined, stop: () => undefined };
  }
  // Never fall back to plain ws:// under a TLS profile.
  if (store === undefined) throw new Error(`security profile ${settings.securityProfile} needs TLS material (openTlsStore)`);
  const port = await server.listenTls(settings.tlsPort, settings.host, store.current);
  const stopRenewal = context.clock.every(RENEWAL_CHECK_MS, async () => {
    if (await store.renewIfDue()) server.updateTlsMaterial(store.current);
  }, (error) => context.logger.error({ err: error }, 'ocpp: TLS certificate renewal failed; will retry'));
  context.logger.info({ port, securityProfile: settings.securityProfile }, 'ocpp: wss:// listening; plain ws:// is closed under this security profile');
  return { port, url: `wss://127.0.0.1:${port}/ocpp`, tls: store, stop: stopRenewal };
}
