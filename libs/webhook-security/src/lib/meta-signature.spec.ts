import { signMetaPayload, verifyMetaSignature } from './meta-signature';

describe('Meta X-Hub-Signature-256', () => {
  const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

  it('accepts a signature made with any configured secret', () => {
    const header = signMetaPayload(body, 'second');
    expect(verifyMetaSignature(body, header, ['first', 'second'])).toBe(true);
  });

  it('refuses a wrong secret, a changed body, a missing or malformed header', () => {
    const header = signMetaPayload(body, 'secret');
    expect(verifyMetaSignature(body, header, ['other'])).toBe(false);
    expect(verifyMetaSignature(Buffer.concat([body, Buffer.from(' ')]), header, ['secret'])).toBe(false);
    expect(verifyMetaSignature(body, undefined, ['secret'])).toBe(false);
    expect(verifyMetaSignature(body, 'sha1=abc', ['secret'])).toBe(false);
    expect(verifyMetaSignature(body, 'sha256=zz', ['secret'])).toBe(false);
    expect(verifyMetaSignature(body, header.slice(0, -2), ['secret'])).toBe(false);
  });

  it('matches a known HMAC', () => {
    expect(signMetaPayload('hello', 'key')).toBe('sha256=9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b');
  });
});
