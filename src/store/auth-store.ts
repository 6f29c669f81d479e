import type { SqliteDatabase } from './database.ts';

/** A login session as stored: only the SHA-256 of its token (hex), never the token itself. */
export interface StoredSession {
  tokenHash: string;
  createdAtMs: number;
  lastUsedAtMs: number;
  expiresAtMs: number;
}

/** An API token as stored and listed: the token itself is shown once at creation and kept only as a hash. */
export interface StoredApiToken {
  id: number;
  name: string;
  createdAtMs: number;
  lastUsedAtMs: number | null;
}

interface SessionRow { token_hash: string; created_at_ms: number; last_used_at_ms: number; expires_at_ms: number }
interface TokenRow { id: number; name: string; created_at_ms: number; last_used_at_ms: number | null }

/**
 * The admin password, login sessions and API tokens in SQLite (tables from the auth migration in database.ts).
 * Nothing here is a secret in clear: the password is a salted scrypt hash, tokens are SHA-256 hashes of 256 random
 * bits (a fast hash is enough for values that cannot be guessed).
 */
export class AuthStore {
  constructor(private readonly db: SqliteDatabase) {}

  adminPasswordHash(): string | undefined {
    const row = this.db.prepare('SELECT password_hash FROM auth_admin WHERE id = 1').get() as { password_hash: string } | undefined;
    return row?.password_hash;
  }

  /** Creates the admin once; false when one exists already (two racing setups: exactly one wins). */
  createAdmin(passwordHash: string, nowMs: number): boolean {
    const result = this.db.prepare('INSERT OR IGNORE INTO auth_admin (id, password_hash, changed_at_ms) VALUES (1, ?, ?)').run(passwordHash, nowMs);
    return result.changes === 1;
  }

  setAdminPassword(passwordHash: string, nowMs: number): void {
    this.db.prepare('UPDATE auth_admin SET password_hash = ?, changed_at_ms = ? WHERE id = 1').run(passwordHash, nowMs);
  }

  /** Adds a session, dropping the least recently used ones beyond `maxSessions` so the table cannot grow without end. */
  addSession(tokenHash: string, nowMs: number, expiresAtMs: number, maxSessions: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM auth_sessions WHERE expires_at_ms <= ?').run(nowMs);
      this.db.prepare('INSERT INTO auth_sessions (token_hash, created_at_ms, last_used_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)')
        .run(tokenHash, nowMs, nowMs, expiresAtMs);
      this.db.prepare(`DELETE FROM auth_sessions WHERE token_hash IN (
          SELECT token_hash FROM auth_sessions ORDER BY last_used_at_ms DESC, created_at_ms DESC LIMIT -1 OFFSET ?)`).run(maxSessions);
    })();
  }

  session(tokenHash: string): StoredSession | undefined {
    const row = this.db.prepare('SELECT * FROM auth_sessions WHERE token_hash = ?').get(tokenHash) as SessionRow | undefined;
    return row === undefined ? undefined : {
      tokenHash: row.token_hash, createdAtMs: row.created_at_ms, lastUsedAtMs: row.last_used_at_ms, expiresAtMs: row.expires_at_ms,
    };
  }

  touchSession(tokenHash: string, nowMs: number, expiresAtMs: number): void {
    this.db.prepare('UPDATE auth_sessions SET last_used_at_ms = ?, expires_at_ms = ? WHERE token_hash = ?').run(nowMs, expiresAtMs, tokenHash);
  }

  deleteSession(tokenHash: string): void {
    this.db.prepare('DELETE FROM auth_sessions WHERE token_hash = ?').run(tokenHash);
  }

  /** Ends every session but `keepTokenHash` (a password change keeps the session that made it). */
  deleteOtherSessions(keepTokenHash: string | undefined): void {
    this.db.prepare('DELETE FROM auth_sessions WHERE token_hash IS NOT ?').run(keepTokenHash ?? null);
  }

  sessionCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM auth_sessions').get() as { n: number }).n;
  }

  addToken(name: string, tokenHash: string, nowMs: number): StoredApiToken {
    const result = this.db.prepare('INSERT INTO auth_tokens (name, token_hash, created_at_ms) VALUES (?, ?, ?)').run(name, tokenHash, nowMs);
    return { id: Number(result.lastInsertRowid), name, createdAtMs: nowMs, lastUsedAtMs: null };
  }

  tokenByHash(tokenHash: string): StoredApiToken | undefined {
    const row = this.db.prepare('SELECT id, name, created_at_ms, last_used_at_ms FROM auth_tokens WHERE token_hash = ?').get(tokenHash) as TokenRow | undefined;
    return row === undefined ? undefined : toToken(row);
  }

  touchToken(id: number, nowMs: number): void {
    this.db.prepare('UPDATE auth_tokens SET last_used_at_ms = ? WHERE id = ?').run(nowMs, id);
  }

  listTokens(): StoredApiToken[] {
    const rows = this.db.prepare('SELECT id, name, created_at_ms, last_used_at_ms FROM auth_tokens ORDER BY id').all() as TokenRow[];
    return rows.map(toToken);
  }

  tokenCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM auth_tokens').get() as { n: number }).n;
  }

  /** False when no token has this id. */
  deleteToken(id: number): boolean {
    return this.db.prepare('DELETE FROM auth_tokens WHERE id = ?').run(id).changes === 1;
  }
}

function toToken(row: TokenRow): StoredApiToken {
  return { id: row.id, name: row.name, createdAtMs: row.created_at_ms, lastUsedAtMs: row.last_used_at_ms };
}
