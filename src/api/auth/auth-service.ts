import { createHash, randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../chargers/security/charger-password.ts';
import type { Clock } from '../../platform/clock.ts';
import type { AuthStore, StoredApiToken } from '../../store/auth-store.ts';

export const MIN_ADMIN_PASSWORD_LENGTH = 10;
/** An upper bound keeps a megabyte "password" from costing scrypt time; no person types more. */
export const MAX_ADMIN_PASSWORD_LENGTH = 256;
export const MAX_TOKEN_NAME_LENGTH = 64;
/** Sessions kept at most (many browsers and phones, never an unbounded table). */
const MAX_SESSIONS = 50;
const MAX_TOKENS = 50;
/** Sliding expiry: a session unused this long is gone; each use pushes the end out again. */
export const SESSION_TTL_MS = 30 * 24 * 3_600_000;
/** Sliding is written at most this often per session, so that reading the state every second costs no writes. */
const SESSION_TOUCH_MS = 10 * 60_000;
const TOKEN_TOUCH_MS = 60_000;
/** API tokens carry a prefix so that a leaked one is recognisable (secret scanners, logs). */
const TOKEN_PREFIX = 'sunplug_';

/** Why an admin password is not acceptable, or undefined when it is. */
export function adminPasswordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < MIN_ADMIN_PASSWORD_LENGTH) return `the password must have at least ${MIN_ADMIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_ADMIN_PASSWORD_LENGTH) return `the password must have at most ${MAX_ADMIN_PASSWORD_LENGTH} characters`;
  if (password.trim() === '') return 'the password must not be only spaces';
  return undefined;
}

/** Who a request is, once authenticated. */
export type Principal =
  | { via: 'cookie'; sessionHash: string; refreshed: boolean }
  | { via: 'token'; tokenId: number };

export interface ApiTokenListing {
  id: number;
  name: string;
  createdAtMs: number;
  lastUsedAtMs: number | null;
}

/**
 * The dashboard's single admin, its login sessions and API tokens for integrations. There is no default password:
 * until the admin sets one (once, through setup), nothing but the authentication endpoints answers. Secrets are
 * random 256-bit values handed out once; only their SHA-256 is kept.
 */
export class AuthService {
  private readonly revokedListeners = new Set<() => void>();

  constructor(private readonly store: AuthStore, private readonly clock: Clock) {}

  setupRequired(): boolean {
    return this.store.adminPasswordHash() === undefined;
  }

  /** Sets the admin password if none exists and opens a session for the caller; undefined when already set up. */
  async setup(password: string): Promise<string | undefined> {
    if (!this.setupRequired()) return undefined;
    const hash = await hashPassword(password);
    if (!this.store.createAdmin(hash, this.clock.nowMs())) return undefined;
    return this.openSession();
  }

  /** A new session token when the password is right, otherwise undefined. */
  async login(password: string): Promise<string | undefined> {
    const stored = this.store.adminPasswordHash();
    if (stored === undefined) return undefined;
    if (!(await verifyPassword(Buffer.from(password, 'utf8'), stored))) return undefined;
    return this.openSession();
  }

  logout(sessionToken: string): void {
    this.store.deleteSession(sha256(sessionToken));
    this.notifyRevoked();
  }

  /**
   * Changes the password when `current` is right and ends every other session (someone who knew the old password
   * must not stay logged in). False when `current` is wrong.
   */
  async changePassword(current: string, next: string, keepSessionHash: string | undefined): Promise<boolean> {
    const stored = this.store.adminPasswordHash();
    if (stored === undefined || !(await verifyPassword(Buffer.from(current, 'utf8'), stored))) return false;
    this.store.setAdminPassword(await hashPassword(next), this.clock.nowMs());
    this.store.deleteOtherSessions(keepSessionHash);
    this.notifyRevoked();
    return true;
  }

  /** The principal for a session cookie's token, sliding its expiry; undefined when unknown or expired. */
  sessionFor(sessionToken: string): Principal | undefined {
    const sessionHash = sha256(sessionToken);
    const session = this.store.session(sessionHash);
    const nowMs = this.clock.nowMs();
    if (session === undefined) return undefined;
    if (session.expiresAtMs <= nowMs) {
      this.store.deleteSession(sessionHash);
      return undefined;
    }
    const refreshed = nowMs - session.lastUsedAtMs >= SESSION_TOUCH_MS;
    if (refreshed) this.store.touchSession(sessionHash, nowMs, nowMs + SESSION_TTL_MS);
    return { via: 'cookie', sessionHash, refreshed };
  }

  /** The principal for an API token; undefined when unknown or revoked. */
  tokenFor(token: string): Principal | undefined {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const stored = this.store.tokenByHash(sha256(token));
    if (stored === undefined) return undefined;
    const nowMs = this.clock.nowMs();
    if (stored.lastUsedAtMs === null || nowMs - stored.lastUsedAtMs >= TOKEN_TOUCH_MS) this.store.touchToken(stored.id, nowMs);
    return { via: 'token', tokenId: stored.id };
  }

  /** A new API token: the secret is in the answer and nowhere else. Undefined when the maximum count is reached. */
  createToken(name: string): (ApiTokenListing & { token: string }) | undefined {
    if (this.store.tokenCount() >= MAX_TOKENS) return undefined;
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const stored = this.store.addToken(name, sha256(token), this.clock.nowMs());
    return { ...listing(stored), token };
  }

  listTokens(): ApiTokenListing[] {
    return this.store.listTokens().map(listing);
  }

  /** False when no token has this id. */
  revokeToken(id: number): boolean {
    const removed = this.store.deleteToken(id);
    if (removed) this.notifyRevoked();
    return removed;
  }

  /** Called after a logout, a password change or a revoked token, so that open sockets can be checked again. */
  onRevoked(listener: () => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  private openSession(): string {
    const token = randomBytes(32).toString('base64url');
    const nowMs = this.clock.nowMs();
    this.store.addSession(sha256(token), nowMs, nowMs + SESSION_TTL_MS, MAX_SESSIONS);
    return token;
  }

  private notifyRevoked(): void {
    for (const listener of this.revokedListeners) listener();
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

function listing(token: StoredApiToken): ApiTokenListing {
  return { id: token.id, name: token.name, createdAtMs: token.createdAtMs, lastUsedAtMs: token.lastUsedAtMs };
}
