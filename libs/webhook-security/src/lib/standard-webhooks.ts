import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const SECRET_PREFIX = 'whsec_';

/** A new Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

const signers = new Map<string, Webhook>();

function signer(secret: string): Webhook {
  let webhook = signers.get(secret);
  if (!webhook) {
    webhook = new Webhook(secret);
    if (signers.size > 10000) signers.clear();
    signers.set(secret, webhook);
  }
  return webhook;
}

/**
 * Standard Webhooks headers for one delivery. Several secrets (during a rotation) give several
 * space-separated signatures, as the specification allows.
 */
export function standardWebhookHeaders(eventId: string, body: Buffer, secrets: readonly string[], at: Date = new Date()): StandardWebhookHeaders {
  const timestamp = Math.floor(at.getTime() / 1000);
  const payload = body.toString('utf8');
  const signature = secrets.map((secret) => signer(secret).sign(eventId, new Date(timestamp * 1000), payload)).join(' ');
  return { 'webhook-id': eventId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}
