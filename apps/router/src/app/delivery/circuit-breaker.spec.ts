import { breakerKey, breakerOutcome, CircuitBreakers, destinationIdOf, type BreakerState } from './circuit-breaker';

describe('CircuitBreakers', () => {
  const options = { failureThreshold: 3, coolDownMs: 1000 };
  const dial = { dial: true, probe: false } as const;

  function tripped(transitions: [string, BreakerState, BreakerState][] = []) {
    const breakers = new CircuitBreakers(options, (key, from, to) => transitions.push([key, from, to]));
    for (let i = 0; i < 3; i += 1) breakers.record('d1', 100, 'failure', breakers.admit('d1', 100, true));
    return breakers;
  }

  it('stays closed below the threshold and forgets failures after a success', () => {
    const breakers = new CircuitBreakers(options);
    breakers.record('d1', 0, 'failure', dial);
    breakers.record('d1', 0, 'failure', dial);
    breakers.record('d1', 0, 'success', dial);
    breakers.record('d1', 0, 'failure', dial);
    breakers.record('d1', 0, 'failure', dial);
    expect(breakers.state('d1', 0)).toBe('closed');
    expect(breakers.admit('d1', 0, true)).toEqual({ dial: true, probe: false });
  });

  it('opens after N consecutive failures and then refuses fresh attempts, not retries', () => {
    const transitions: [string, BreakerState, BreakerState][] = [];
    const breakers = tripped(transitions);
    expect(breakers.state('d1', 100)).toBe('open');
    expect(transitions).toEqual([['d1', 'closed', 'open']]);
    expect(breakers.admit('d1', 500, true)).toEqual({ dial: false });
    expect(breakers.admit('d1', 500, false)).toEqual({ dial: true, probe: false });
    // other destinations are not affected
    expect(breakers.admit('d2', 500, true)).toEqual({ dial: true, probe: false });
  });

  it('neutral outcomes neither trip nor heal it', () => {
    const breakers = new CircuitBreakers(options);
    for (let i = 0; i < 10; i += 1) breakers.record('d1', 0, 'neutral', dial);
    expect(breakers.state('d1', 0)).toBe('closed');
    const open = tripped();
    open.record('d1', 200, 'neutral', dial);
    expect(open.state('d1', 200)).toBe('open');
  });

  it('lets exactly one probe through after the cool-down; its success closes the breaker', () => {
    const transitions: [string, BreakerState, BreakerState][] = [];
    const breakers = tripped(transitions);
    expect(breakers.admit('d1', 1099, true)).toEqual({ dial: false });
    const probe = breakers.admit('d1', 1100, true);
    expect(probe).toEqual({ dial: true, probe: true });
    expect(breakers.state('d1', 1100)).toBe('half_open');
    expect(breakers.admit('d1', 1101, true)).toEqual({ dial: false });
    breakers.record('d1', 1150, 'success', probe);
    expect(breakers.state('d1', 1150)).toBe('closed');
    expect(breakers.admit('d1', 1151, true)).toEqual({ dial: true, probe: false });
    expect(transitions.map(([, from, to]) => `${from}>${to}`)).toEqual(['closed>open', 'open>half_open', 'half_open>closed']);
  });

  it('a failed probe opens it again for another cool-down', () => {
    const breakers = tripped();
    const probe = breakers.admit('d1', 1100, true);
    breakers.record('d1', 1200, 'failure', probe);
    expect(breakers.state('d1', 1200)).toBe('open');
    expect(breakers.admit('d1', 2199, true)).toEqual({ dial: false });
    expect(breakers.admit('d1', 2200, true)).toEqual({ dial: true, probe: true });
  });

  it('a neutral probe frees the probe slot without closing', () => {
    const breakers = tripped();
    const probe = breakers.admit('d1', 1100, true);
    breakers.record('d1', 1110, 'neutral', probe);
    expect(breakers.state('d1', 1110)).toBe('half_open');
    expect(breakers.admit('d1', 1120, true)).toEqual({ dial: true, probe: true });
  });

  it('a successful retry while open closes it at once', () => {
    const breakers = tripped();
    const retry = breakers.admit('d1', 200, false);
    breakers.record('d1', 250, 'success', retry);
    expect(breakers.state('d1', 250)).toBe('closed');
  });

  it('counts the breakers that are not closed', () => {
    const breakers = tripped();
    breakers.record('d2', 0, 'failure', dial);
    expect(breakers.counts(200)).toEqual({ closed: 1, open: 1, half_open: 0 });
    expect(breakers.counts(1200)).toEqual({ closed: 1, open: 0, half_open: 1 });
  });
});

describe('breakerOutcome', () => {
  it.each([
    [{ kind: 'delivered' } as const, 'success'],
    [{ kind: 'gone' } as const, 'neutral'],
    [{ kind: 'failed', errorClass: 'timeout', statusCode: null } as const, 'failure'],
    [{ kind: 'failed', errorClass: 'network', statusCode: null } as const, 'failure'],
    [{ kind: 'failed', errorClass: 'http_status', statusCode: 503 } as const, 'failure'],
    [{ kind: 'failed', errorClass: 'http_status', statusCode: 429 } as const, 'failure'],
    [{ kind: 'failed', errorClass: 'http_status', statusCode: 400 } as const, 'neutral'],
    [{ kind: 'failed', errorClass: 'redirect', statusCode: 302 } as const, 'neutral'],
    [{ kind: 'failed', errorClass: 'unsafe_destination', statusCode: null } as const, 'neutral'],
  ])('%j → %s', (verdict, expected) => {
    expect(breakerOutcome(verdict)).toBe(expected);
  });
});

describe('breakerKey', () => {
  it('differs after a rebinding in place, and gives back only the id', () => {
    const before = breakerKey({ id: 'd1', url: 'https://a.example/hook?token=secret' });
    const after = breakerKey({ id: 'd1', url: 'https://b.example/hook' });
    expect(before).not.toBe(after);
    expect(destinationIdOf(before)).toBe('d1');
  });
});
