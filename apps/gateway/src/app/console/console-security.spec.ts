import { attemptsOf, consumerLagOf, deliveryWindow, parseMetrics, type AttemptSample } from './console-health.service';
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
      [
        '# HELP x',
        'wabridge_router_consumer_lag{lane="first"} 12',
        'wabridge_router_attempts_total{lane="first",state="delivered",error_class="none"} 5',
        'up 1',
        'bad line',
      ].join('\n'),
    );
    expect(samples).toEqual([
      { name: 'wabridge_router_consumer_lag', labels: { lane: 'first' }, value: 12 },
      { name: 'wabridge_router_attempts_total', labels: { lane: 'first', state: 'delivered', error_class: 'none' }, value: 5 },
      { name: 'up', labels: {}, value: 1 },
    ]);
  });

  it("reads the router's attempt counters and start time", () => {
    const samples = parseMetrics(
      [
        'wabridge_router_attempts_total{lane="first",state="delivered",error_class="none"} 8',
        'wabridge_router_attempts_total{lane="retry",state="delivered",error_class="none"} 1',
        'wabridge_router_attempts_total{lane="first",state="retry_scheduled",error_class="http_5xx"} 3',
        'process_start_time_seconds 1764590000',
      ].join('\n'),
    );
    expect(attemptsOf(samples, 5)).toEqual({ at: 5, delivered: 9, total: 12, routerStartedAt: 1764590000000 });
    expect(attemptsOf([], 5)).toBeUndefined();
  });

  describe('delivery success over the last hour', () => {
    const hour = 60 * 60 * 1000;
    const now = Date.parse('2026-12-01T12:00:00Z');

    it('counts a router younger than the hour from its start', () => {
      const samples: AttemptSample[] = [];
      expect(deliveryWindow(samples, { at: now, delivered: 9, total: 10, routerStartedAt: now - 20 * 60000 }, now)).toEqual({
        success_ratio: 0.9,
        attempts: 10,
        window_minutes: 20,
      });
    });

    it('takes the oldest sample of the hour as the base for an older router', () => {
      const samples: AttemptSample[] = [
        { at: now - 2 * hour, delivered: 0, total: 0 },
        { at: now - 40 * 60000, delivered: 100, total: 100 },
      ];
      const view = deliveryWindow(samples, { at: now, delivered: 150, total: 200, routerStartedAt: now - 5 * hour }, now);
      expect(view).toEqual({ success_ratio: 0.5, attempts: 100, window_minutes: 40 });
      expect(samples.map((sample) => sample.at)).toEqual([now - 40 * 60000, now]);
    });

    it('starts over after a router restart, and says when there is nothing to compare', () => {
      const samples: AttemptSample[] = [{ at: now - 10 * 60000, delivered: 500, total: 500 }];
      expect(deliveryWindow(samples, { at: now, delivered: 3, total: 4 }, now)).toEqual({ success_ratio: 0.75, attempts: 4, window_minutes: null });
      expect(deliveryWindow([], undefined, now)).toEqual({ success_ratio: null, attempts: 0, window_minutes: null });
    });
  });

  it("takes a service's consumer lag from the broker's view when it reports one", () => {
    const both = parseMetrics(
      [
        'wabridge_router_consumer_lag{lane="first"} 40',
        'wabridge_kafka_consumer_lag{group="g",topic="t",partition="0"} 3',
        'wabridge_kafka_consumer_lag{group="g",topic="t",partition="1"} 4',
      ].join('\n'),
    );
    expect(consumerLagOf(both)).toBe(7);
    expect(consumerLagOf(parseMetrics('wabridge_router_consumer_lag{lane="first"} 40\nwabridge_router_consumer_lag{lane="retry"} 2'))).toBe(42);
    expect(consumerLagOf(parseMetrics('up 1'))).toBeNull();
  });
});
