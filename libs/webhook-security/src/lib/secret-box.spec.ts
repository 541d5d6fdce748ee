import { randomBytes } from 'node:crypto';
import { isSealed, parseSecretsKey, SecretBox, SecretOpenError, SecretsKeyError, sealedKeyId } from './secret-box';

const key = () => randomBytes(32).toString('base64');

describe('SecretBox', () => {
  it('seals with a fresh nonce and opens again', () => {
    const box = SecretBox.fromEnv(`k1:${key()}`);
    const a = box.seal('whsec_abc');
    const b = box.seal('whsec_abc');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('whsec_abc');
    expect(isSealed(a)).toBe(true);
    expect(sealedKeyId(a)).toBe('k1');
    expect(box.open(a)).toBe('whsec_abc');
    expect(box.open(box.seal(''))).toBe('');
    expect(box.open(box.seal('ünïcode ✓'))).toBe('ünïcode ✓');
  });

  it('rotates: the first key seals, every listed key opens', () => {
    const oldKey = `old:${key()}`;
    const sealedOld = SecretBox.fromEnv(oldKey).seal('s3cret');
    const rotated = SecretBox.fromEnv(`new:${key()},${oldKey}`);
    expect(rotated.open(sealedOld)).toBe('s3cret');
    expect(rotated.isCurrent(sealedOld)).toBe(false);
    expect(sealedKeyId(rotated.seal('x'))).toBe('new');
  });

  it('refuses an unknown key id, a wrong key, an altered value and clear text', () => {
    const sealed = SecretBox.fromEnv(`k1:${key()}`).seal('s3cret');
    expect(() => SecretBox.fromEnv(`k2:${key()}`).open(sealed)).toThrow(/key id "k1", which SECRETS_KEY does not list/);
    expect(() => SecretBox.fromEnv(`k1:${key()}`).open(sealed)).toThrow(SecretOpenError);
    const box = SecretBox.fromEnv(`k1:${key()}`);
    const mine = box.seal('s3cret');
    const parts = mine.split('.');
    parts[3] = Buffer.from('s3cres').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(/altered/);
    // the key id is authenticated: relabelling a value under another listed id fails
    const two = SecretBox.fromEnv(`a:${key()},b:${key()}`);
    expect(() => two.open(two.seal('x').replace('wbsec1.a.', 'wbsec1.b.'))).toThrow(SecretOpenError);
    expect(() => box.open('whsec_plain')).toThrow(/not sealed/);
  });

  it('seals header values, not names', () => {
    const box = SecretBox.fromEnv(`k1:${key()}`);
    const sealed = box.sealHeaders({ Authorization: 'Bearer t0ken' });
    expect(Object.keys(sealed)).toEqual(['Authorization']);
    expect(sealed.Authorization).not.toContain('t0ken');
    expect(box.openHeaders(sealed)).toEqual({ Authorization: 'Bearer t0ken' });
  });

  it.each([
    ['', /is required/],
    ['nocolon', /id:base64key/],
    [':abc', /id:base64key/],
    ['k1:short', /32 bytes/],
    [`k1:${randomBytes(16).toString('base64')}`, /got 16/],
    [`k.1:${randomBytes(32).toString('base64')}`, /id of 1-32/],
    [`k1:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`, /listed twice/],
  ])('rejects SECRETS_KEY %j', (value, message) => {
    expect(() => parseSecretsKey(value)).toThrow(SecretsKeyError);
    expect(() => parseSecretsKey(value)).toThrow(message);
  });

  it('accepts base64url keys and several entries', () => {
    const keys = parseSecretsKey(` a:${randomBytes(32).toString('base64url')} , b:${key()}`);
    expect(keys.map((entry) => entry.id)).toEqual(['a', 'b']);
  });
});
