import { parseMetrics } from './console-health.service';
import { hashPassword, sessionCookie, sessionTokenOf, verifyPassword } from './console-security';

describe('console security helpers', () => {
  it('hashes passwords with scrypt and a fresh salt, and verifies them', async () => {
    const first = await hashPassword('a long enough password');
    const second = await hashPassword('a long enough password');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('a long enough password', first)).toBe(true);
    expect(await verifyPassword('a long enough passworD', first)).toBe(false);
    expect(await verifyPassword('anything', 'md5$abc')).toBe(false);
  });

  it('marks the session cookie Secure behind https', () => {
    expect(sessionCookie('t'.repeat(43), 60, true)).toBe(`wabridge_console=${'t'.repeat(43)}; Path=/console; Max-Age=60; HttpOnly; SameSite=Strict; Secure`);
    expect(sessionCookie('t'.repeat(43), 60, false)).not.toContain('Secure');
  });

  it('reads only its own cookie, only token characters', () => {
    const token = 'A'.repeat(43);
    expect(sessionTokenOf(`other=1; wabridge_console=${token}; x=y`)).toBe(token);
    expect(sessionTokenOf('wabridge_console=<script>')).toBeUndefined();
    expect(sessionTokenOf(undefined)).toBeUndefined();
  });

  it('parses Prometheus text samples with labels', () => {
    const samples = parseMetrics(
      ['# HELP x', 'wabridge_router_consumer_lag{lane="first"} 12', 'wabridge_router_attempts_total{lane="first",state="delivered",error_class="none"} 5', 'up 1', 'bad line'].join('\n'),
    );
    expect(samples).toEqual([
      { name: 'wabridge_router_consumer_lag', labels: { lane: 'first' }, value: 12 },
      { name: 'wabridge_router_attempts_total', labels: { lane: 'first', state: 'delivered', error_class: 'none' }, value: 5 },
      { name: 'up', labels: {}, value: 1 },
    ]);
  });
});
