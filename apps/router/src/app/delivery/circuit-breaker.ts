export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** consecutive failures that open the breaker */
  failureThreshold: number;
  /** how long an open breaker refuses fresh attempts before it lets one probe through */
  coolDownMs: number;
}

/** What the caller may do with an attempt: dial it (a probe is a dial that decides the breaker), or not. */
export type Admission = { dial: true; probe: boolean } | { dial: false };

/** How an admitted attempt ended, as far as the breaker cares. */
export type BreakerOutcome = 'success' | 'failure' | 'neutral';

interface Entry {
  key: string;
  state: BreakerState;
  failures: number;
  openedAt: number;
  probing: boolean;
}

export type BreakerTransition = (key: string, from: BreakerState, to: BreakerState) => void;

/**
 * One breaker per destination, a pure state machine driven by the caller's clock:
 * closed → open after N consecutive failures; open → half_open once the cool-down passed, when the
 * next attempt is let through as the single probe; the probe's success closes the breaker, its
 * failure opens it again for another cool-down. Only a 2xx counts as success; only failures that say
 * "the destination is unwell" (timeouts, network errors, 5xx, 429) count as failures, so a bad
 * binding or a refused address neither trips nor heals it.
 */
export class CircuitBreakers {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: BreakerOptions,
    private readonly onTransition: BreakerTransition = () => undefined,
  ) {}

  state(key: string, now: number): BreakerState {
    const entry = this.entries.get(key);
    if (!entry) return 'closed';
    if (entry.state === 'open' && now - entry.openedAt >= this.options.coolDownMs) this.move(entry, 'half_open');
    return entry.state;
  }

  /**
   * May this attempt dial? `fresh` attempts (first lane) are refused while the breaker is open; retries
   * are already paced by their schedule, so they always dial and their outcome informs the breaker.
   */
  admit(key: string, now: number, fresh: boolean): Admission {
    const state = this.state(key, now);
    if (state === 'closed') return { dial: true, probe: false };
    const entry = this.entries.get(key) as Entry;
    if (state === 'half_open' && !entry.probing) {
      entry.probing = true;
      return { dial: true, probe: true };
    }
    return fresh ? { dial: false } : { dial: true, probe: false };
  }

  record(key: string, now: number, outcome: BreakerOutcome, admission: Admission): void {
    const entry = this.entries.get(key);
    const probe = admission.dial && admission.probe;
    if (outcome === 'success') {
      // any success proves the destination answers again
      if (entry) {
        if (entry.state !== 'closed') this.move(entry, 'closed');
        this.entries.delete(key);
      }
      return;
    }
    if (outcome === 'neutral') {
      if (entry && probe) entry.probing = false;
      return;
    }
    if (!entry) {
      const fresh: Entry = { key, state: 'closed', failures: 1, openedAt: 0, probing: false };
      this.entries.set(key, fresh);
      this.tripIfDue(fresh, now);
      return;
    }
    if (entry.state === 'closed') {
      entry.failures += 1;
      this.tripIfDue(entry, now);
    } else if (probe || entry.state === 'half_open') {
      // the probe (or a retry while half-open) failed: another cool-down
      entry.probing = false;
      entry.openedAt = now;
      this.move(entry, 'open');
    }
  }

  /** Breakers not closed, by state: what the gauge reports. */
  counts(now: number): Record<BreakerState, number> {
    const counts: Record<BreakerState, number> = { closed: 0, open: 0, half_open: 0 };
    for (const key of this.entries.keys()) counts[this.state(key, now)] += 1;
    return counts;
  }

  private tripIfDue(entry: Entry, now: number): void {
    if (entry.failures < this.options.failureThreshold) return;
    entry.openedAt = now;
    this.move(entry, 'open');
  }

  private move(entry: Entry, to: BreakerState): void {
    const from = entry.state;
    if (from === to) return;
    entry.state = to;
    this.onTransition(entry.key, from, to);
  }
}

/**
 * A breaker belongs to a destination *and* the URL it points at: after a rebinding in place the new
 * partner starts with a closed breaker, not with the old partner's record.
 */
export function breakerKey(destination: { id: string; url: string }): string {
  return `${destination.id}\u0000${destination.url}`;
}

/** The destination id of a breaker key: what may be logged (a URL may carry a secret in its query). */
export function destinationIdOf(key: string): string {
  return key.split('\u0000')[0];
}

/** Which attempt results move a breaker. */
export function breakerOutcome(
  verdict: { kind: 'delivered' } | { kind: 'gone' } | { kind: 'failed'; errorClass: string; statusCode: number | null },
): BreakerOutcome {
  if (verdict.kind === 'delivered') return 'success';
  if (verdict.kind === 'gone') return 'neutral';
  if (verdict.errorClass === 'timeout' || verdict.errorClass === 'network') return 'failure';
  if (verdict.errorClass === 'http_status' && verdict.statusCode !== null) {
    return verdict.statusCode >= 500 || verdict.statusCode === 429 ? 'failure' : 'neutral';
  }
  return 'neutral';
}
