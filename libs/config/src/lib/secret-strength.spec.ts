import { randomBytes } from 'node:crypto';
import { weakSecretIssues, weakSecretProblem } from './secret-strength';

describe('weak secrets', () => {
  it.each([
    'admin',
    'change-me-admin-token',
    'CHANGEME',
    'x'.repeat(40),
    'your-admin-token-goes-here-please-ok',
    'abababababababababababababababab',
    'example-example-example-example-ex',
  ])('refuses %j', (value) => expect(weakSecretProblem(value, 32)).not.toBeNull());

  it('accepts generated secrets', () => {
    for (let i = 0; i < 20; i += 1) expect(weakSecretProblem(randomBytes(24).toString('base64url'), 32)).toBeNull();
    expect(weakSecretProblem(randomBytes(16).toString('hex'), 32)).toBeNull();
  });

  it('checks every entry of a list, names the variable, and can be switched off for local experiments', () => {
    const strong = randomBytes(16).toString('hex');
    expect(weakSecretIssues({ META_APP_SECRETS: `${strong},short` }, { META_APP_SECRETS: { min: 32, list: true } })).toEqual([
      expect.stringMatching(/^META_APP_SECRETS \(entry 2\): is too short/),
    ]);
    expect(weakSecretIssues({ META_APP_SECRETS: 'short', WABRIDGE_ALLOW_WEAK_SECRETS: 'true' }, { META_APP_SECRETS: { min: 32, list: true } })).toEqual([]);
    expect(weakSecretIssues({}, { ADMIN_TOKEN: { min: 32 } })).toEqual([]);
  });
});
