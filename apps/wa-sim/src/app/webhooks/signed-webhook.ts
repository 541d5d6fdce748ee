import { signMetaPayload } from '@wabridge/webhook-security';

/** The headers Meta sends with a webhook: JSON content type and the HMAC of the exact body bytes. */
export function signedWebhookHeaders(body: Buffer, appSecret: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-hub-signature-256': signMetaPayload(body, appSecret),
  };
}
