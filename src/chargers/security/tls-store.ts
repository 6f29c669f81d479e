import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import {
  certificateFacts, createCertificateAuthority, isIssuedBy, issueClientCertificate, issueServerCertificate, keyPairProblem,
  normaliseIp, type KeyAndCertificate, type SubjectAltNames,
} from './certificates.ts';

/**
 * Where the TLS material of security profiles 2 and 3 comes from, and how it stays valid:
 *
 * - Generated (the default): on first start Sunplug creates a local CA (10 years) and a server certificate (2 years)
 *   in `<dataDir>/tls/`, private keys mode 0600. The server certificate names the gateway's host names and LAN
 *   addresses, localhost and 127.0.0.1, plus any names from the config. It is issued anew when fewer than 30 days
 *   remain or when the gateway gained a name or address it does not cover (e.g. a new DHCP lease); the CA stays,
 *   so chargers that trust it keep trusting the new certificate.
 * - Installer's files (`ocpp.tls.certFile`/`keyFile`, optional `caFile`): used as they are, checked at start (a
 *   broken file stops Sunplug with a message naming it), never renewed by Sunplug (a warning when near expiry).
 *   Client certificates (profile 3) are then checked against `caFile`, and Sunplug cannot issue them.
 */

export const RENEW_BEFORE_MS = 30 * 86_400_000;

export interface InstallerTlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
}

export interface TlsStoreOptions {
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** Extra DNS names or IP addresses for the server certificate (ocpp.tls.hostNames). */
  extraNames?: readonly string[];
  /** The installer's files instead of generated ones. */
  files?: InstallerTlsFiles;
  /** The gateway's own names and addresses; default: read from the operating system. Tests pass fixed ones. */
  localNames?: () => SubjectAltNames;
}

/** What the TLS server needs, at one moment. */
export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  /** CA that client certificates are checked against, and that chargers load to trust the server; undefined only for installer files without caFile. */
  caPem?: string;
  serverNotAfterMs: number;
}

/** A charger's client certificate, issued once: the key is not kept by Sunplug. */
export interface IssuedClientCertificate extends KeyAndCertificate {
  caPem: string;
  notAfterMs: number;
  fingerprint256: string;
}

export class TlsConfigurationError extends Error {
  override readonly name = 'TlsConfigurationError';
}

export class TlsStore {
  private ca: KeyAndCertificate | undefined;
  private material: TlsMaterial | undefined;
  private renewing: Promise<boolean> | undefined;

  private constructor(private readonly options: TlsStoreOptions) {}

  /** Loads or creates the material; throws TlsConfigurationError for a broken installer file or stored file. */
  static async open(options: TlsStoreOptions): Promise<TlsStore> {
    const store = new TlsStore(options);
    if (options.files !== undefined) await store.loadInstallerFiles(options.files);
    else await store.loadOrCreateGenerated();
    return store;
  }

  get current(): TlsMaterial {
    if (this.material === undefined) throw new Error('TLS material not loaded');
    return this.material;
  }

  /** True when Sunplug holds the CA key and can issue charger certificates (generated material). */
  get canIssueClientCertificates(): boolean {
    return this.ca !== undefined;
  }

  get caPem(): string | undefined {
    return this.material?.caPem;
  }

  /**
   * Renews the server certificate when it runs out within 30 days or misses a current name of the gateway.
   * Returns true when it did (the server must then load the new material).
   */
  renewIfDue(): Promise<boolean> {
    // Key generation takes a while; a check that comes meanwhile waits for the same renewal instead of starting one.
    this.renewing ??= this.renewNow().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewNow(): Promise<boolean> {
    const { clock, logger } = this.options;
    const material = this.current;
    const nowMs = clock.nowMs();
    if (this.ca === undefined) {
      if (material.serverNotAfterMs - nowMs < RENEW_BEFORE_MS) {
        logger.warn({ notAfter: new Date(material.serverNotAfterMs).toISOString() }, 'ocpp: the TLS certificate from ocpp.tls.certFile expires soon; replace it');
      }
      return false;
    }
    const facts = certificateFacts(material.certPem);
    const wanted = this.wantedNames();
    const missing = [
      ...wanted.dnsNames.filter((name) => !facts.dnsNames.includes(name)),
      ...wanted.ipAddresses.filter((ip) => !facts.ipAddresses.includes(normaliseIp(ip))),
    ];
    const expiring = facts.notAfterMs - nowMs < RENEW_BEFORE_MS;
    if (!expiring && missing.length === 0) return false;
    await this.issueServer(this.ca);
    logger.info({ reason: expiring ? 'expiry' : 'new names', missing, notAfter: new Date(this.current.serverNotAfterMs).toISOString() }, 'ocpp: TLS server certificate renewed');
    return true;
  }

  /** A client certificate for a charger (security profile 3), signed by Sunplug's CA. */
  async issueClientCertificate(chargerId: string): Promise<IssuedClientCertificate> {
    if (this.ca === undefined) throw new TlsConfigurationError('client certificates come from the installer\'s CA (ocpp.tls.caFile); Sunplug holds no CA key');
    const issued = await issueClientCertificate(this.ca, this.options.clock.nowMs(), chargerId);
    const facts = certificateFacts(issued.certPem);
    this.options.logger.info({ chargerId, fingerprint256: facts.fingerprint256 }, 'ocpp: client certificate issued');
    return { ...issued, caPem: this.ca.certPem, notAfterMs: facts.notAfterMs, fingerprint256: facts.fingerprint256 };
  }

  private get dir(): string {
    return join(this.options.dataDir, 'tls');
  }

  private async loadInstallerFiles(files: InstallerTlsFiles): Promise<void> {
    const certPem = await readConfigured(files.certFile, 'ocpp.tls.certFile');
    const keyPem = await readConfigured(files.keyFile, 'ocpp.tls.keyFile');
    const problem = keyPairProblem(certPem, keyPem);
    if (problem !== undefined) throw new TlsConfigurationError(`ocpp.tls.certFile ${files.certFile} / keyFile ${files.keyFile}: ${problem}`);
    let caPem: string | undefined;
    if (files.caFile !== undefined) {
      caPem = await readConfigured(files.caFile, 'ocpp.tls.caFile');
      try {
        certificateFacts(caPem);
      } catch (error) {
        throw new TlsConfigurationError(`ocpp.tls.caFile ${files.caFile}: not a PEM certificate (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    const facts = certificateFacts(certPem);
    this.material = { certPem, keyPem, ...(caPem !== undefined ? { caPem } : {}), serverNotAfterMs: facts.notAfterMs };
    if (facts.notAfterMs <= this.options.clock.nowMs()) {
      this.options.logger.error({ notAfter: new Date(facts.notAfterMs).toISOString() }, 'ocpp: the TLS certificate from ocpp.tls.certFile has EXPIRED; chargers will refuse it');
    }
    this.options.logger.info({ certFile: files.certFile, subject: facts.subject, notAfter: new Date(facts.notAfterMs).toISOString() }, 'ocpp: TLS with the installer\'s certificate');
  }

  private async loadOrCreateGenerated(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const ca = await this.readPair('ca');
    if (ca === undefined) {
      this.ca = await createCertificateAuthority(this.options.clock.nowMs(), `Sunplug local CA (${hostname()})`);
      await this.writePair('ca', this.ca);
      this.options.logger.info({ dir: this.dir, fingerprint256: certificateFacts(this.ca.certPem).fingerprint256 }, 'ocpp: local certificate authority created; load ca.pem into each wallbox');
    } else {
      this.ca = ca;
    }
    const server = await this.readPair('server');
    if (server === undefined || !isIssuedBy(server.certPem, this.ca.certPem)) {
      await this.issueServer(this.ca);
      return;
    }
    this.material = { certPem: server.certPem, keyPem: server.keyPem, caPem: this.ca.certPem, serverNotAfterMs: certificateFacts(server.certPem).notAfterMs };
    await this.renewIfDue();
  }

  private async issueServer(ca: KeyAndCertificate): Promise<void> {
    const server = await issueServerCertificate(ca, this.options.clock.nowMs(), this.wantedNames());
    await this.writePair('server', server);
    this.material = { certPem: server.certPem, keyPem: server.keyPem, caPem: ca.certPem, serverNotAfterMs: certificateFacts(server.certPem).notAfterMs };
  }

  private wantedNames(): SubjectAltNames {
    const local = this.options.localNames?.() ?? gatewayNames();
    const dnsNames = new Set(['localhost', ...local.dnsNames]);
    const ipAddresses = new Set(['127.0.0.1', ...local.ipAddresses]);
    for (const name of this.options.extraNames ?? []) {
      if (/^[\d.]+$/.test(name) || name.includes(':')) ipAddresses.add(normaliseIp(name));
      else dnsNames.add(name.toLowerCase());
    }
    return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
  }

  /** Reads `<name>.cert.pem` and `<name>.key.pem`; undefined when neither exists; throws when they are broken. */
  private async readPair(name: string): Promise<KeyAndCertificate | undefined> {
    const certPath = join(this.dir, `${name}.cert.pem`);
    const keyPath = join(this.dir, `${name}.key.pem`);
    const certPem = await readOptional(certPath);
    const keyPem = await readOptional(keyPath);
    if (certPem === undefined && keyPem === undefined) return undefined;
    if (certPem === undefined || keyPem === undefined) {
      throw new TlsConfigurationError(`${certPem === undefined ? certPath : keyPath} is missing; restore it or remove ${this.dir} to start a new CA (every wallbox must then load the new ca.pem)`);
    }
    const problem = keyPairProblem(certPem, keyPem);
    if (problem !== undefined) throw new TlsConfigurationError(`${certPath} / ${keyPath}: ${problem}`);
    return { certPem, keyPem };
  }

  private async writePair(name: string, pair: KeyAndCertificate): Promise<void> {
    await writeAtomically(join(this.dir, `${name}.key.pem`), pair.keyPem, 0o600);
    await writeAtomically(join(this.dir, `${name}.cert.pem`), pair.certPem, 0o644);
  }
}

/** The gateway's host name (also as name.local for mDNS) and its non-loopback addresses. */
export function gatewayNames(): SubjectAltNames {
  const host = hostname().toLowerCase();
  const dnsNames = host === '' ? [] : [host, ...(host.includes('.') ? [] : [`${host}.local`])];
  const ipAddresses: string[] = [];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.internal) continue;
      // Link-local IPv6 needs a zone id in URLs, so no charger is configured with one.
      if (address.family === 'IPv6' && address.address.toLowerCase().startsWith('fe80')) continue;
      ipAddresses.push(normaliseIp(address.address));
    }
  }
  return { dnsNames, ipAddresses };
}

async function readConfigured(path: string, setting: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new TlsConfigurationError(`${setting} ${path}: cannot be read (${code})`);
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TlsConfigurationError(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Written beside and renamed over, so a crash never leaves half a key; the mode is set before any secret is in it. */
async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, '', { mode });
  await chmod(temporary, mode);
  await writeFile(temporary, text, { mode });
  await rename(temporary, path);
}
