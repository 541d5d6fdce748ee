/**
 * Per-channel token buckets: `ratePerSecond` tokens refill continuously up to `burst`, one send takes
 * one. Pure apart from the clock, which callers may pass.
 */
export interface RateDecision {
  allowed: boolean;
  /** when refused: seconds until one token is back (for `Retry-After`) */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Beyond this many tracked channels, full (idle) buckets are dropped: a full bucket equals a new one. */
const SWEEP_THRESHOLD = 10000;

export class SendRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  constructor(
    private readonly ratePerSecond: number,
    burst: number = ratePerSecond,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(ratePerSecond > 0)) throw new Error('ratePerSecond must be positive');
    // at least one token, or a rate below 1/s could never send anything
    this.burst = Math.max(1, burst);
  }

  take(key: string): RateDecision {
    const at = this.now();
    const bucket = this.refilled(key, at);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond)) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string, at: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_THRESHOLD) this.sweep(at);
      bucket = { tokens: this.burst, updatedAt: at };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsedSeconds = Math.max(0, at - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsedSeconds * this.ratePerSecond);
    bucket.updatedAt = at;
    return bucket;
  }

  private sweep(at: number): void {
    for (const [key, bucket] of this.buckets) {
      const tokens = bucket.tokens + (Math.max(0, at - bucket.updatedAt) / 1000) * this.ratePerSecond;
      if (tokens >= this.burst) this.buckets.delete(key);
    }
  }
}

/** Meta's answer when a number sends faster than its throughput tier (Graph error 130429). */
export function rateLimitErrorBody(fbtraceId: string): object {
  return {
    error: {
      message: '(#130429) Rate limit hit',
      type: 'OAuthException',
      code: 130429,
      error_data: {
        messaging_product: 'whatsapp',
        details: 'Message failed to send because there were too many messages sent from this phone number in a short period of time',
      },
      fbtrace_id: fbtraceId,
    },
  };
}
