import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { AdmitRequest, AdmitVerdict } from '../ocpp-server.ts';
import { generatePassword, hashPassword, PasswordVerifier } from '../security/charger-password.ts';

/**
 * Who may connect to the OCPP server, and how (docs/chargers.md, "Admission"):
 *
 * - Security profile 1 (the default): every charger proves itself with HTTP Basic auth (user = its id, password
 *   from Sunplug or provisioned in the config file). A missing or wrong password is refused with 401 and logged
 *   without the secret. A charger Sunplug has no password for yet (unknown, or configured without one) may connect
 *   as PENDING: it gets BootNotification Pending and nothing else until the homeowner approves it, which generates
 *   its password (shown once, stored as a salted scrypt hash).
 * - Security profile 0 (only when configured explicitly; logged as a warning): no passwords. Configured and approved
 *   chargers are accepted; unknown ones are handled by `unknownChargers`: `pending` (the default), `reject`, or
 *   `accept` (every charger that connects is controlled, like evcc; profile 0 only).
 *
 * Approvals and password hashes persist through `ApprovalStore` (the runtime settings file). Pending chargers and
 * refusals are kept in memory, bounded, for the installer view.
 */

/**
 * 2 is profile 1 over TLS (wss://, same passwords). 3 replaces passwords by client certificates from Sunplug's CA:
 * the OcppServer checks the certificate (its common name must be the charger id) before admission is asked, and
 * admission then treats the charger as authenticated; unknown ones still wait as pending until approved.
 */
export type SecurityProfile = 0 | 1 | 2 | 3;

/** Profiles that authenticate chargers with Basic-auth passwords. */
export function usesPasswords(profile: SecurityProfile): boolean {
  return profile === 1 || profile === 2;
}
export type UnknownChargerPolicy = 'pending' | 'reject' | 'accept';

export interface ApprovalRecord {
  approvedAtMs: number;
  /** Salted scrypt hash of the charger's password (security profile 1). */
  passwordHash?: string;
}

export interface ApprovalStore {
  approvals(): ReadonlyMap<string, ApprovalRecord>;
  saveApproval(chargerId: string, record: ApprovalRecord): Promise<void>;
}

export interface ConfiguredCharger {
  id: string;
  /** Provisioned by the installer in the config file (plain text there; hashed in memory at start). */
  password?: string;
}

export interface ChargerAdmissionOptions {
  clock: Clock;
  logger: Logger;
  securityProfile: SecurityProfile;
  unknownChargers: UnknownChargerPolicy;
  configured: readonly ConfiguredCharger[];
  store: ApprovalStore;
  /** Pending chargers remembered at once; more unknown ids are refused (a flood of made-up ids). Default 16. */
  maxPending?: number;
}

/** Where a charger stands. */
export type AdmissionStatus =
  | 'configured' // in the config file and able to connect
  | 'approved' // approved by the homeowner (not in the config file: it runs with the default settings)
  | 'auto-accepted' // unknown, accepted because unknownChargers is accept (profile 0)
  | 'pending' // may connect, waits for approval (or, under profile 1, for its password)
  | 'unknown';

export interface PendingCharger {
  id: string;
  firstSeenAtMs: number;
  lastSeenAtMs: number;
  remoteAddress?: string;
  /** Why it waits: never seen before, or known but without a password yet (profile 1). */
  waitingFor: 'approval' | 'password';
}

export interface Refusal {
  id: string;
  atMs: number;
  reason: 'unknown-charger' | 'missing-password' | 'wrong-password' | 'missing-certificate' | 'invalid-id' | 'too-many-pending';
  remoteAddress?: string;
  count: number;
}

export type ApproveResult =
  | { ok: true; id: string; password?: string; status: AdmissionStatus }
  | { ok: false; code: 'not_found' | 'already_approved' | 'password_in_config' | 'invalid_id'; message: string };

/** Charger ids Sunplug accepts (the config file's id rule): anything else is refused before it is stored anywhere. */
const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_REFUSALS = 32;

export class ChargerAdmission {
  private readonly configuredIds: ReadonlySet<string>;
  private readonly pendingChargers = new Map<string, PendingCharger>();
  private readonly refused = new Map<string, Refusal>();
  private readonly autoAccepted = new Set<string>();

  private constructor(
    private readonly options: ChargerAdmissionOptions,
    /** Hashes of config-file passwords; the plain text is dropped once hashed. */
    private readonly configHashes: ReadonlyMap<string, string>,
    private readonly verifier: PasswordVerifier,
  ) {
    this.configuredIds = new Set(options.configured.map((c) => c.id));
  }

  static async create(options: ChargerAdmissionOptions): Promise<ChargerAdmission> {
    const hashes = new Map<string, string>();
    const verifier = new PasswordVerifier();
    for (const charger of options.configured) {
      if (charger.password === undefined) continue;
      const hash = await hashPassword(charger.password);
      hashes.set(charger.id, hash);
      verifier.remember(charger.id, hash, charger.password);
    }
    const admission = new ChargerAdmission(options, hashes, verifier);
    if (options.securityProfile === 0) {
      options.logger.warn('ocpp: security profile 0: chargers connect WITHOUT a password; anyone on the network can pose as a charger (set ocpp.securityProfile: 1)');
    } else if (usesPasswords(options.securityProfile)) {
      const without = options.configured.filter((c) => c.password === undefined && options.store.approvals().get(c.id)?.passwordHash === undefined);
      if (without.length > 0) {
        options.logger.info({ chargers: without.map((c) => c.id) }, 'ocpp: configured chargers without a password wait as pending until approved');
      }
    }
    return admission;
  }

  get securityProfile(): SecurityProfile {
    return this.options.securityProfile;
  }

  /** The OcppServer's `admit` callback. */
  async admit(request: AdmitRequest): Promise<AdmitVerdict> {
    const { identity: id, remoteAddress } = request;
    const { logger } = this.options;
    if (!ID_PATTERN.test(id)) {
      // Not recorded under its own name: an attacker-chosen string has no place in the installer view.
      this.refuse('(invalid id)', 'invalid-id', remoteAddress);
      logger.info({ remoteAddress }, 'ocpp: charger id refused (letters, digits, _ . : - only, at most 64)');
      return 'reject';
    }
    if (this.options.securityProfile === 3) {
      if (request.certificateVerified !== true) {
        this.refuse(id, 'missing-certificate', remoteAddress);
        logger.warn({ chargerId: id, remoteAddress }, 'ocpp: charger refused: no valid client certificate (security profile 3)');
        return 'unauthorized';
      }
      if (this.isKnown(id)) {
        this.pendingChargers.delete(id);
        return 'accept';
      }
      return this.unknown(id, remoteAddress);
    }
    if (usesPasswords(this.options.securityProfile)) {
      const hash = this.passwordHashOf(id);
      if (hash !== undefined) {
        if (request.password === undefined) {
          this.refuse(id, 'missing-password', remoteAddress);
          logger.warn({ chargerId: id, remoteAddress }, 'ocpp: charger refused: no password (Basic auth with user = charger id expected)');
          return 'unauthorized';
        }
        if (!await this.verifier.verify(id, request.password, hash)) {
          this.refuse(id, 'wrong-password', remoteAddress);
          logger.warn({ chargerId: id, remoteAddress }, 'ocpp: charger refused: wrong password');
          return 'unauthorized';
        }
        this.pendingChargers.delete(id);
        return 'accept';
      }
      if (this.isKnown(id)) return this.hold(id, 'password', remoteAddress);
      return this.unknown(id, remoteAddress);
    }
    if (this.isKnown(id) || this.autoAccepted.has(id)) return 'accept';
    return this.unknown(id, remoteAddress);
  }

  /**
   * The homeowner approves a charger. Profile 1: a new password is generated, stored hashed, and returned ONCE
   * (`resetPassword` replaces the password of an approved charger). Profile 0: the approval is recorded.
   */
  async approve(id: string, options: { resetPassword?: boolean } = {}): Promise<ApproveResult> {
    if (!ID_PATTERN.test(id)) return { ok: false, code: 'invalid_id', message: 'charger ids are letters, digits, _ . : - (at most 64)' };
    const { store, clock, logger } = this.options;
    const stored = store.approvals().get(id);
    if (!this.isKnown(id) && !this.pendingChargers.has(id) && !this.autoAccepted.has(id)) {
      return { ok: false, code: 'not_found', message: `no configured, approved or pending charger "${id}"` };
    }
    const approvedAtMs = stored?.approvedAtMs ?? clock.nowMs();
    if (!usesPasswords(this.options.securityProfile)) {
      if (this.isKnown(id) && !this.pendingChargers.has(id)) return { ok: false, code: 'already_approved', message: `charger "${id}" is already approved` };
      await store.saveApproval(id, { ...stored, approvedAtMs });
      this.pendingChargers.delete(id);
      logger.info({ chargerId: id }, 'ocpp: charger approved');
      return { ok: true, id, status: this.status(id) };
    }
    if (this.configHashes.has(id)) {
      return { ok: false, code: 'password_in_config', message: `charger "${id}" has its password in the config file; change it there` };
    }
    if (stored?.passwordHash !== undefined && options.resetPassword !== true) {
      return { ok: false, code: 'already_approved', message: `charger "${id}" is already approved; ask for {"resetPassword": true} to issue a new password` };
    }
    const password = generatePassword();
    await store.saveApproval(id, { approvedAtMs, passwordHash: await hashPassword(password) });
    this.pendingChargers.delete(id);
    logger.info({ chargerId: id, reset: stored?.passwordHash !== undefined }, 'ocpp: charger approved; a new password was issued');
    return { ok: true, id, password, status: this.status(id) };
  }

  status(id: string): AdmissionStatus {
    if (this.pendingChargers.has(id)) return 'pending';
    if (this.configuredIds.has(id)) {
      return usesPasswords(this.options.securityProfile) && this.passwordHashOf(id) === undefined ? 'pending' : 'configured';
    }
    if (this.options.store.approvals().has(id)) {
      return usesPasswords(this.options.securityProfile) && this.passwordHashOf(id) === undefined ? 'pending' : 'approved';
    }
    if (this.autoAccepted.has(id)) return 'auto-accepted';
    return 'unknown';
  }

  /** True when Sunplug has a password for this charger (config file or approval). */
  hasPassword(id: string): boolean {
    return this.passwordHashOf(id) !== undefined;
  }

  /** Approved (or auto-accepted) chargers that are not in the config file: they run with default settings. */
  approvedUnconfigured(): string[] {
    const ids = [...this.options.store.approvals().keys(), ...this.autoAccepted].filter((id) => !this.configuredIds.has(id));
    return [...new Set(ids)].filter((id) => this.status(id) === 'approved' || this.status(id) === 'auto-accepted');
  }

  pending(): PendingCharger[] {
    return [...this.pendingChargers.values()].map((p) => ({ ...p }));
  }

  refusals(): Refusal[] {
    return [...this.refused.values()].map((r) => ({ ...r })).reverse(); // Map order is recency: newest last
  }

  private isKnown(id: string): boolean {
    return this.configuredIds.has(id) || this.options.store.approvals().has(id);
  }

  private passwordHashOf(id: string): string | undefined {
    return this.configHashes.get(id) ?? this.options.store.approvals().get(id)?.passwordHash;
  }

  private unknown(id: string, remoteAddress: string | undefined): AdmitVerdict {
    const policy = this.options.unknownChargers;
    if (policy === 'reject') {
      this.refuse(id, 'unknown-charger', remoteAddress);
      this.options.logger.info({ chargerId: id, remoteAddress }, 'ocpp: unknown charger refused (ocpp.unknownChargers: reject)');
      return 'reject';
    }
    if (policy === 'accept' && this.options.securityProfile === 0) {
      if (!this.autoAccepted.has(id)) this.options.logger.warn({ chargerId: id, remoteAddress }, 'ocpp: unknown charger accepted (ocpp.unknownChargers: accept)');
      this.autoAccepted.add(id);
      return 'accept';
    }
    return this.hold(id, 'approval', remoteAddress);
  }

  private hold(id: string, waitingFor: PendingCharger['waitingFor'], remoteAddress: string | undefined): AdmitVerdict {
    const nowMs = this.options.clock.nowMs();
    const known = this.pendingChargers.get(id);
    if (known === undefined && this.pendingChargers.size >= (this.options.maxPending ?? 16)) {
      this.refuse(id, 'too-many-pending', remoteAddress);
      this.options.logger.warn({ chargerId: id, remoteAddress }, 'ocpp: too many chargers awaiting approval; refused');
      return 'reject';
    }
    if (known === undefined) this.options.logger.info({ chargerId: id, remoteAddress, waitingFor }, 'ocpp: charger awaits approval (BootNotification Pending)');
    this.pendingChargers.set(id, {
      id, firstSeenAtMs: known?.firstSeenAtMs ?? nowMs, lastSeenAtMs: nowMs, waitingFor,
      ...(remoteAddress !== undefined ? { remoteAddress } : {}),
    });
    return 'pending';
  }

  private refuse(id: string, reason: Refusal['reason'], remoteAddress: string | undefined): void {
    const previous = this.refused.get(id);
    this.refused.delete(id); // re-inserted last: Map order is recency
    if (previous === undefined && this.refused.size >= MAX_REFUSALS) {
      const oldest = this.refused.keys().next().value;
      if (oldest !== undefined) this.refused.delete(oldest);
    }
    this.refused.set(id, {
      id, atMs: this.options.clock.nowMs(), reason, count: (previous?.reason === reason ? previous.count : 0) + 1,
      ...(remoteAddress !== undefined ? { remoteAddress } : {}),
    });
  }
}
