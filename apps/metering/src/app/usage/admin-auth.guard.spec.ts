import { bearerMatches } from './admin-auth.guard';

const TOKEN = 'admin-3f1c0d9e8b7a6f5e4d3c2b1a09f8e7d6';

describe('bearerMatches', () => {
  it('accepts the token as a Bearer credential, scheme case-insensitive', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['the bare token', TOKEN],
    ['another scheme', `Basic ${TOKEN}`],
    ['a wrong token of the same length', `Bearer ${TOKEN.slice(0, -1)}x`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, 10)}`],
    ['the token with a suffix', `Bearer ${TOKEN}x`],
    ['Bearer without token', 'Bearer '],
  ])('refuses %s', (_what, header) => {
    expect(bearerMatches(header, TOKEN)).toBe(false);
  });
});
