import { createHash, randomBytes } from 'node:crypto';

/** A new partner API key: 32 random bytes, base64url (43 characters). Shown once, never stored. */
export function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

/** What Postgres keeps of a key: its SHA-256, hex. A fast hash suffices as keys carry 256 bits of entropy. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Exactly what generateApiKey makes: anything else cannot be one of our keys and is refused without a lookup. */
export function isPlausibleApiKey(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** The key from `Authorization: Bearer <key>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
