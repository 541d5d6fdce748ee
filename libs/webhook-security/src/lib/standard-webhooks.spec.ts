import { Webhook } from 'standardwebhooks';
import { generateSigningSecret, standardWebhookHeaders } from './standard-webhooks';

describe('Standard Webhooks signing', () => {
  it('matches the specification test vector', () => {
    const headers = standardWebhookHeaders(
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      Buffer.from('{"test": 2432232314}'),
      ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      new Date(1614265330 * 1000),
    );
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('signs with every secret during a rotation, and each verifies', () => {
    const [a, b] = [generateSigningSecret(), generateSigningSecret()];
    const body = Buffer.from('{"x":1}');
    const headers = standardWebhookHeaders('evt_1', body, [a, b]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [a, b]) {
      expect(() => new Webhook(secret).verify(body.toString(), { ...headers })).not.toThrow();
    }
  });

  it('generates whsec_ secrets with 32 bytes of entropy', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
  });

  it('signs the exact bytes, and what the reference library verifies, for a body that is not ASCII', () => {
    const secret = generateSigningSecret();
    const body = Buffer.from('{"text":"Grüße 👋 — ok"}');
    const headers = standardWebhookHeaders('evt_2', body, [secret], new Date());
    expect(() => new Webhook(secret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(secret).verify(Buffer.from('{"text":"Grüße 👋 — no"}'), { ...headers })).toThrow();
  });

  it('refuses a secret that is not base64 after its prefix, as the reference library does', () => {
    expect(() => standardWebhookHeaders('evt_3', Buffer.from('{}'), ['whsec_not base64!'])).toThrow(/base64/);
    expect(() => new Webhook('whsec_not base64!')).toThrow();
  });
});
