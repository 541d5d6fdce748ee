import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string | Buffer): Buffer => createHash('sha256').update(value).digest();

/**
 * Whether two secrets (tokens, keys, password hashes) are equal, in constant time. Both sides are
 * hashed first, so the comparison takes as long whatever the inputs and reveals neither where they
 * differ nor the expected length. Strings are compared as their UTF-8 bytes.
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
