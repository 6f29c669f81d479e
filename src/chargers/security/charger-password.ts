import { createHmac, randomInt, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * OCPP security profile 1 passwords (HTTP Basic auth on the WebSocket upgrade; the user name is the charger id).
 * The OCPP 1.6 security whitepaper and 2.0.1 (`BasicAuthPassword`) allow 16 to 40 characters. We generate them
 * from letters and digits only, without look-alikes (0/O, 1/l/I), because an installer types them into a
 * charger's web page or app by hand, and some firmware refuses punctuation.
 *
 * Stored form: `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`. The cost parameters travel with each hash, so
 * they can be raised later without invalidating stored passwords.
 */

export const MIN_PASSWORD_LENGTH = 16;
export const MAX_PASSWORD_LENGTH = 40;
/** 24 characters from 54 symbols: about 138 bits, far beyond guessing over a network. */
const GENERATED_LENGTH = 24;
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** scrypt cost: N = 2^14, r = 8, p = 1 takes tens of ms and 16 MiB, acceptable once per charger connection. */
const COST = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/** A fresh random password (crypto RNG, uniform over the alphabet: randomInt avoids modulo bias). */
export function generatePassword(): string {
  let password = '';
  for (let i = 0; i < GENERATED_LENGTH; i++) password += ALPHABET[randomInt(ALPHABET.length)];
  return password;
}

/** Why a password is not acceptable for provisioning, or undefined when it is. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    return `must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters (OCPP security profile 1)`;
  }
  if (!/^[\x21-\x7e]+$/.test(password)) return 'must be printable ASCII without spaces';
  return undefined;
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string | Buffer): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(toBuffer(password), salt, COST, KEY_LENGTH);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/**
 * True when `candidate` matches the stored hash. The comparison of the derived keys is constant-time; a malformed
 * stored hash never matches (and never throws: it is the caller's data, not the charger's fault).
 */
export async function verifyPassword(candidate: Buffer, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (parsed === undefined) return false;
  const derived = await derive(candidate, parsed.salt, parsed.cost, parsed.hash.length);
  return derived.length === parsed.hash.length && timingSafeEqual(derived, parsed.hash);
}

/**
 * Checks charger passwords against stored hashes, remembering each one that verified as a keyed HMAC (random key
 * per process, memory only). Chargers reconnect often (Wi-Fi, reboots, a Sunplug restart brings all of them at
 * once): after the first success a reconnect costs one HMAC instead of a scrypt, while a password that does not
 * match the remembered one still goes through scrypt. The memory is keyed by the stored hash, so a reset password
 * forgets the old one.
 */
export class PasswordVerifier {
  private readonly key = randomBytes(32);
  private readonly verified = new Map<string, { storedHash: string; digest: Buffer }>();

  /** Remembers a password known to match `storedHash` (a provisioned one, hashed at start). */
  remember(chargerId: string, storedHash: string, password: string | Buffer): void {
    this.verified.set(chargerId, { storedHash, digest: this.digest(toBuffer(password)) });
  }

  async verify(chargerId: string, candidate: Buffer, storedHash: string): Promise<boolean> {
    const known = this.verified.get(chargerId);
    if (known !== undefined && known.storedHash === storedHash && timingSafeEqual(known.digest, this.digest(candidate))) return true;
    const ok = await verifyPassword(candidate, storedHash);
    if (ok) this.remember(chargerId, storedHash, candidate);
    return ok;
  }

  private digest(password: Buffer): Buffer {
    return createHmac('sha256', this.key).update(password).digest();
  }
}

/** True when `stored` has the shape of a hash this module wrote. */
export function isPasswordHash(stored: string): boolean {
  return parseStored(stored) !== undefined;
}

interface StoredHash {
  cost: { N: number; r: number; p: number };
  salt: Buffer;
  hash: Buffer;
}

function parseStored(stored: string): StoredHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (N === undefined || r === undefined || p === undefined) return undefined;
  // Bounds keep a tampered settings file from making every connection attempt burn seconds of CPU or GiBs.
  if (!Number.isInteger(N) || N < 2 || N > 1 << 20 || (N & (N - 1)) !== 0) return undefined;
  if (!Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 8 || hash.length < 16) return undefined;
  return { cost: { N, r, p }, salt, hash };
}

function derive(password: Buffer, salt: Buffer, cost: { N: number; r: number; p: number }, keyLength: number): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function toBuffer(password: string | Buffer): Buffer {
  return typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
}
