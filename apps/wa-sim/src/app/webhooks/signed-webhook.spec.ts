import { verifyMetaSignature } from '@wabridge/webhook-security';
import { signedWebhookHeaders } from './signed-webhook';

describe('signedWebhookHeaders', () => {
  const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

  it('signs the exact bytes so that ingress verification accepts them', () => {
    const headers = signedWebhookHeaders(body, 'app-secret');
    expect(headers['content-type']).toBe('application/json');
    expect(verifyMetaSignature(body, headers['x-hub-signature-256'], ['other-secret', 'app-secret'])).toBe(true);
  });

  it('produces a signature that fails for another secret or other bytes', () => {
    const signature = signedWebhookHeaders(body, 'app-secret')['x-hub-signature-256'];
    expect(verifyMetaSignature(body, signature, ['wrong'])).toBe(false);
    expect(verifyMetaSignature(Buffer.concat([body, Buffer.from(' ')]), signature, ['app-secret'])).toBe(false);
  });
});
