import type { DeliveryErrorClass } from '@wabridge/contracts';

/** What one HTTP attempt produced, as the I/O layer reports it. */
export type AttemptResult =
  | { kind: 'response'; statusCode: number; retryAfter: string | null; latencyMs: number }
  | { kind: 'error'; errorClass: 'timeout' | 'network' | 'unsafe_destination'; latencyMs: number };

/** How an attempt counts. */
export type AttemptVerdict =
  | { kind: 'delivered'; statusCode: number }
  /** 410 Gone: the partner asked us to stop; the destination is disabled */
  | { kind: 'gone'; statusCode: number }
  | { kind: 'failed'; errorClass: DeliveryErrorClass; statusCode: number | null; retryAfter: string | null };

/** Any 2xx is a success; redirects are not followed and count as failures (docs/delivery.md). */
export function judgeAttempt(result: AttemptResult): AttemptVerdict {
  if (result.kind === 'error') return { kind: 'failed', errorClass: result.errorClass, statusCode: null, retryAfter: null };
  const status = result.statusCode;
  if (status >= 200 && status < 300) return { kind: 'delivered', statusCode: status };
  if (status === 410) return { kind: 'gone', statusCode: status };
  return {
    kind: 'failed',
    errorClass: status >= 300 && status < 400 ? 'redirect' : 'http_status',
    statusCode: status,
    retryAfter: result.retryAfter,
  };
}
