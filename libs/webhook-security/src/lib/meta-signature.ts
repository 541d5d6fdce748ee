import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';

/** Meta's X-Hub-Signature-256 value for a body: `sha256=<hex HMAC-SHA256(app secret, raw bytes)>`. */
export function signMetaPayload(rawBody: Buffer | string, appSecret: string): string {
  return PREFIX + createHmac('sha256', appSecret).update(rawBody).digest('hex');
}

/** Whether a header has the shape of a Meta signature at all (checked before a body is read). */
export function isWellFormedMetaSignature(header: string | undefined): boolean {
  return header !== undefined && header.length === PREFIX.length + 64 && header.startsWith(PREFIX) && /^[0-9a-fA-F]{64}$/.test(header.slice(PREFIX.length));
}

/**
 * Checks an X-Hub-Signature-256 header against every configured app secret (several during a
 * rotation), in constant time for each comparison.
 */
export function verifyMetaSignature(rawBody: Buffer, header: string | undefined, appSecrets: readonly string[]): boolean {
  if (!isWellFormedMetaSignature(header)) return false;
  const received = Buffer.from((header as string).slice(PREFIX.length), 'hex');
  let valid = false;
  for (const secret of appSecrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // no early exit: every secret is compared, so timing says nothing about which one matched
    if (timingSafeEqual(expected, received)) valid = true;
  }
  return valid;
}
