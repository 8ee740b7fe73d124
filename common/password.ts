import { randomBytes, scrypt, timingSafeEqual, createHash, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes for `viewers[].password_hash` in lookout.yml: scrypt from node:crypto, so no
 * native addon is needed. Format: `scrypt$N$r$p$saltB64$hashB64` (self-describing, so the cost can
 * be raised later without breaking stored hashes). Verification compares in constant time.
 */

/** Thrown for a stored hash that is not in the `scrypt$N$r$p$salt$hash` format. */
export class PasswordHashFormatError extends Error {
  override readonly name = 'PasswordHashFormatError';
  constructor(reason: string) {
    super(`password_hash is not a valid scrypt hash (${reason}); make one with \`lookout hash-password\``);
  }
}

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** N=2^14, r=8, p=1: ~16 MiB and a few tens of ms on a Raspberry Pi 4; an RTSP auth is once per session. */
export const DEFAULT_COST: ScryptCost = { N: 16_384, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function memoryFor(cost: ScryptCost): number {
  return 128 * cost.N * cost.r * cost.p + 1024 * 1024 * 8;
}

/** Hashes a password into the stored format. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(password, salt, KEY_LENGTH, { ...cost, maxmem: memoryFor(cost) });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

/** Parses and bounds-checks a stored hash (a hostile N could otherwise exhaust memory). */
export function parsePasswordHash(stored: string): ParsedHash {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new PasswordHashFormatError('expected 6 fields starting with "scrypt"');
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d{1,9}$/.test(part) ? Number(part) : NaN)) as [number, number, number];
  if (!(N >= 2 && N <= 1_048_576 && (N & (N - 1)) === 0)) throw new PasswordHashFormatError('N must be a power of two ≤ 2^20');
  if (!(r >= 1 && r <= 32) || !(p >= 1 && p <= 16)) throw new PasswordHashFormatError('r must be 1..32 and p 1..16');
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const key = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 8) throw new PasswordHashFormatError('salt shorter than 8 bytes');
  if (key.length < 16 || key.length > 64) throw new PasswordHashFormatError('hash must be 16..64 bytes');
  return { cost: { N, r, p }, salt, key };
}

/** True when `password` matches `stored`; the final comparison is constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const { cost, salt, key } = parsePasswordHash(stored);
  const candidate = await scryptAsync(password, salt, key.length, { ...cost, maxmem: memoryFor(cost) });
  return timingSafeEqual(candidate, key);
}

/**
 * Constant-time equality of two secrets of any length: both are hashed to a fixed size first, so
 * neither the content nor the length leaks through timing.
 */
export function secretsEqual(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a, 'utf8').digest();
  const digestB = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(digestA, digestB);
}
