import { checkCustomHeaders, signMetaPayload, standardWebhookHeaders, type SecretBox } from '@wabridge/webhook-security';
import { toOnPremiseBody } from './on-premise-body';

export const USER_AGENT = 'wabridge/0.1 (+https://github.com/wabridge/wabridge)';

/** What the router needs to know about a destination to deliver to it. */
export interface DeliveryTarget {
  url: string;
  headers: Record<string, string>;
  /** the binding's Standard Webhooks `whsec_` secret */
  signingSecret: string;
  /** the secret before a rotation, also signed with until it expires (absent: none) */
  previousSigningSecret?: { secret: string; expiresAt: Date } | null;
  /** a partner-supplied Meta app secret: when set, the body is also signed as Meta signs it */
  appSecret: string | null;
  /** legacy clients: the body in the on-premise shape (top-level contacts/messages/statuses/errors) */
  onPremiseFormat?: boolean;
}

/** The columns of a stored binding (a webhook_destinations row) that delivering needs. */
export interface StoredBinding {
  url: string;
  headers: Record<string, string> | null;
  signingSecret: string;
  previousSigningSecret: string | null;
  previousSecretExpiresAt: Date | null;
  appSecret: string | null;
  onPremiseFormat: boolean;
}

/**
 * How a stored binding is delivered to: by the router for events, by the gateway for test sends. The
 * row's secrets and header values are stored sealed (docs/security.md); `secrets` (SECRETS_KEY) opens
 * them, and they stay open only in memory.
 */
export function deliveryTargetOf(row: StoredBinding, secrets: SecretBox): DeliveryTarget {
  return {
    url: row.url,
    headers: secrets.openHeaders(row.headers),
    signingSecret: secrets.open(row.signingSecret),
    previousSigningSecret:
      row.previousSigningSecret && row.previousSecretExpiresAt
        ? { secret: secrets.open(row.previousSigningSecret), expiresAt: row.previousSecretExpiresAt }
        : null,
    appSecret: secrets.openOptional(row.appSecret),
    onPremiseFormat: row.onPremiseFormat,
  };
}

export interface DeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The HTTP request of one attempt: the event's exact bytes, the binding's custom headers and our own
 * headers, which always win. `webhook-id` is the event id, so every retry of an event carries the
 * same id and partners can dedupe.
 */
export function buildDeliveryRequest(eventId: string, body: Buffer, target: DeliveryTarget, now: Date = new Date()): DeliveryRequest {
  // what is sent is what is signed: the reshaped bytes when the binding asks for them
  const payload = target.onPremiseFormat ? (toOnPremiseBody(body) ?? body) : body;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(target.headers ?? {})) {
    // The gateway validated these when they were set; checking again keeps a bad row from
    // overriding the signature or framing headers.
    if (checkCustomHeaders({ [name]: value }) === null) headers[name.toLowerCase()] = value;
  }
  headers['content-type'] = 'application/json';
  headers['user-agent'] = USER_AGENT;
  const secrets = [target.signingSecret];
  const previous = target.previousSigningSecret;
  // during a rotation both signatures go out, so the partner may verify with either secret
  if (previous && previous.expiresAt.getTime() > now.getTime()) secrets.push(previous.secret);
  Object.assign(headers, standardWebhookHeaders(eventId, payload, secrets, now));
  if (target.appSecret) headers['x-hub-signature-256'] = signMetaPayload(payload, target.appSecret);
  return { url: target.url, headers, body: payload };
}
