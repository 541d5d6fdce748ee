import { generateSigningSecret, signMetaPayload } from '@wabridge/webhook-security';
import { Webhook } from 'standardwebhooks';
import { buildDeliveryRequest, USER_AGENT } from './delivery-request';

const body = Buffer.from('{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}]}');

describe('buildDeliveryRequest', () => {
  const secret = generateSigningSecret();
  const target = { url: 'https://partner.example/hook?x=1', headers: {}, signingSecret: secret, appSecret: null };

  it('sends the exact bytes, JSON content type, our user agent and a verifiable Standard Webhooks signature', () => {
    const request = buildDeliveryRequest('evt_1', body, target);
    expect(request.url).toBe('https://partner.example/hook?x=1');
    expect(request.body).toBe(body);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe(USER_AGENT);
    expect(request.headers['user-agent']).toMatch(/^wabridge\//);
    expect(request.headers['webhook-id']).toBe('evt_1');
    expect(() => new Webhook(secret).verify(body, request.headers)).not.toThrow();
    expect(request.headers['x-hub-signature-256']).toBeUndefined();
  });

  it('signs with the previous secret too while a rotation has not expired, and only with the new one after', () => {
    const previous = generateSigningSecret();
    const now = new Date();
    const rotating = { ...target, previousSigningSecret: { secret: previous, expiresAt: new Date(now.getTime() + 60_000) } };
    const during = buildDeliveryRequest('evt_1', body, rotating, now);
    expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(secret).verify(body, during.headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, during.headers)).not.toThrow();

    const after = buildDeliveryRequest('evt_1', body, rotating, new Date(now.getTime() + 60_000));
    expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
    const unrelated = buildDeliveryRequest('evt_1', body, { ...target, previousSigningSecret: null }, now);
    expect(() => new Webhook(previous).verify(body, unrelated.headers)).toThrow();
  });

  it('sends and signs the on-premise shape when the binding asks for it', () => {
    const appSecret = 'partner-app-secret';
    const inbound = Buffer.from(
      JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { messages: [{ id: 'wamid.1' }] } }] }] }),
    );
    const request = buildDeliveryRequest('evt_1', inbound, { ...target, appSecret, onPremiseFormat: true });
    expect(JSON.parse(request.body.toString())).toEqual({ messages: [{ id: 'wamid.1' }] });
    expect(() => new Webhook(secret).verify(request.body, request.headers)).not.toThrow();
    expect(request.headers['x-hub-signature-256']).toBe(signMetaPayload(request.body, appSecret));
    // nothing to reshape: the original bytes
    const other = Buffer.from('{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"account_update","value":{}}]}]}');
    expect(buildDeliveryRequest('evt_2', other, { ...target, onPremiseFormat: true }).body).toBe(other);
  });

  it('keeps the same webhook-id on every retry, with a fresh timestamp and signature', () => {
    const first = buildDeliveryRequest('evt_1', body, target, new Date('2025-01-01T00:00:00Z'));
    const later = buildDeliveryRequest('evt_1', body, target, new Date('2025-01-01T00:05:00Z'));
    expect(later.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(Number(later.headers['webhook-timestamp']) - Number(first.headers['webhook-timestamp'])).toBe(300);
    expect(later.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
  });

  it('matches the Standard Webhooks test vector', () => {
    const request = buildDeliveryRequest(
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      Buffer.from('{"test": 2432232314}'),
      { ...target, signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      new Date(1614265330 * 1000),
    );
    expect(request.headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('adds the custom headers, but never lets them override ours', () => {
    const request = buildDeliveryRequest('evt_1', body, {
      ...target,
      headers: {
        'X-Partner-Token': 'abc',
        'Content-Type': 'text/plain',
        'webhook-id': 'forged',
        'webhook-signature': 'v1,forged',
        'x-hub-signature-256': 'sha256=forged',
        host: 'elsewhere.example',
        'x-bad': 'line\r\nbreak',
      },
    });
    expect(request.headers['x-partner-token']).toBe('abc');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe('evt_1');
    expect(request.headers['webhook-signature']).toMatch(/^v1,/);
    expect(request.headers['webhook-signature']).not.toContain('forged');
    expect(request.headers['x-hub-signature-256']).toBeUndefined();
    expect(request.headers.host).toBeUndefined();
    expect(request.headers['x-bad']).toBeUndefined();
    expect(Object.keys(request.headers).filter((name) => name.toLowerCase() === 'content-type')).toHaveLength(1);
  });

  it('also signs the body as Meta does when the binding has an app secret', () => {
    const request = buildDeliveryRequest('evt_1', body, { ...target, appSecret: 'partner-app-secret' });
    expect(request.headers['x-hub-signature-256']).toBe(signMetaPayload(body, 'partner-app-secret'));
  });
});
