import { createHash } from 'node:crypto';
import { bearerToken, generateApiKey, hashApiKey, isPlausibleApiKey } from './api-key';

describe('API keys', () => {
  it('are 32 random bytes in base64url, different every time', () => {
    const keys = new Set(Array.from({ length: 50 }, () => generateApiKey()));
    expect(keys.size).toBe(50);
    for (const key of keys) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key, 'base64url')).toHaveLength(32);
      expect(isPlausibleApiKey(key)).toBe(true);
    }
  });

  it('are stored as their SHA-256 in hex', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toBe(hashApiKey(generateApiKey()));
  });

  it.each([
    '',
    'short',
    'x'.repeat(257),
    'has space inside 12345',
    'línea-con-acentos-123456',
    'x'.repeat(42),
    'x'.repeat(44),
    `${'x'.repeat(42)}=`,
    `${'x'.repeat(42)}+`,
  ])('refuses %j without a lookup', (value) => expect(isPlausibleApiKey(value)).toBe(false));

  it('reads a bearer token', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
