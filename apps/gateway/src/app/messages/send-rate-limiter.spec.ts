import { rateLimitErrorBody, SendRateLimiter } from './send-rate-limiter';

function clock() {
  let now = 1000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('SendRateLimiter', () => {
  it('lets a burst of one second through, then refuses with a Retry-After', () => {
    const time = clock();
    const limiter = new SendRateLimiter(80, 80, time.now);
    const decisions = Array.from({ length: 81 }, () => limiter.take('channel-a'));
    expect(decisions.slice(0, 80).every((decision) => decision.allowed)).toBe(true);
    expect(decisions[80]).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('refills continuously at the rate', () => {
    const time = clock();
    const limiter = new SendRateLimiter(80, 80, time.now);
    for (let i = 0; i < 80; i += 1) limiter.take('a');
    expect(limiter.take('a').allowed).toBe(false);
    time.advance(12.5); // one token at 80/s
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    time.advance(10_000);
    const allowed = Array.from({ length: 100 }, () => limiter.take('a')).filter((decision) => decision.allowed);
    expect(allowed).toHaveLength(80); // never more than the burst
  });

  it('keeps channels apart', () => {
    const time = clock();
    const limiter = new SendRateLimiter(2, 2, time.now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')].map((d) => d.allowed)).toEqual([true, true, false]);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('sustains exactly the rate over time', () => {
    const time = clock();
    const limiter = new SendRateLimiter(80, 80, time.now);
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms += 1) {
      time.advance(1);
      for (let i = 0; i < 3; i += 1) if (limiter.take('a').allowed) allowed += 1;
    }
    // the initial burst plus 80 per second for 10 s
    expect(allowed).toBeGreaterThanOrEqual(80 * 10 + 80 - 1);
    expect(allowed).toBeLessThanOrEqual(80 * 10 + 80);
  });

  it('allows a rate below one per second and says how long to wait', () => {
    const time = clock();
    const limiter = new SendRateLimiter(0.25, 0.25, time.now);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 4 });
    time.advance(4000);
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('forgets idle channels once many are tracked', () => {
    const time = clock();
    const limiter = new SendRateLimiter(10, 10, time.now);
    for (let i = 0; i < 10000; i += 1) limiter.take(`c${i}`);
    time.advance(1000);
    limiter.take('new');
    expect(limiter.size).toBe(1);
  });

  it("answers in Meta's 130429 shape", () => {
    expect(rateLimitErrorBody('trace')).toEqual({
      error: {
        message: '(#130429) Rate limit hit',
        type: 'OAuthException',
        code: 130429,
        error_data: { messaging_product: 'whatsapp', details: expect.stringContaining('too many messages') },
        fbtrace_id: 'trace',
      },
    });
  });
});
