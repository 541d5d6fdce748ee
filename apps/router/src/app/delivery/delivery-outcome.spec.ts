import { assertDeliveryAttemptEvent } from '@wabridge/contracts';
import {
  attemptEvent,
  deliveryRowDestination,
  judgeAttempt,
  needsDeliveryRow,
  planRetry,
  type AttemptResult,
} from './delivery-outcome';
import { retryPolicy } from './retry-policy';

const response = (statusCode: number, retryAfter: string | null = null): AttemptResult => ({
  kind: 'response',
  statusCode,
  retryAfter,
  latencyMs: 12,
});

describe('judgeAttempt', () => {
  it.each([200, 201, 202, 204, 299])('counts %i as delivered', (status) => {
    expect(judgeAttempt(response(status))).toEqual({ kind: 'delivered', statusCode: status });
  });

  it.each([301, 302, 303, 307, 308])('counts the redirect %i as a failure', (status) => {
    expect(judgeAttempt(response(status))).toEqual({ kind: 'failed', errorClass: 'redirect', statusCode: status, retryAfter: null });
  });

  it.each([100, 400, 401, 404, 429, 500, 502, 503])('counts %i as an HTTP failure', (status) => {
    expect(judgeAttempt(response(status, '5'))).toEqual({ kind: 'failed', errorClass: 'http_status', statusCode: status, retryAfter: '5' });
  });

  it('treats 410 Gone as the partner asking to stop', () => {
    expect(judgeAttempt(response(410))).toEqual({ kind: 'gone', statusCode: 410 });
  });

  it.each(['timeout', 'network', 'unsafe_destination'] as const)('passes the error class %s on', (errorClass) => {
    expect(judgeAttempt({ kind: 'error', errorClass, latencyMs: 5 })).toEqual({
      kind: 'failed',
      errorClass,
      statusCode: null,
      retryAfter: null,
    });
  });
});

describe('planRetry', () => {
  const policy = retryPolicy([5000, 60_000], 3_600_000, 1);
  const receivedAt = new Date('2025-01-01T00:00:00Z');

  it('schedules the next attempt into the lane of its delay', () => {
    const now = new Date('2025-01-01T00:00:01Z');
    const plan = planRetry({ attempt: 1, receivedAt, now, statusCode: 500, retryAfter: null, policy, random: () => 0.5 });
    expect(plan).toEqual({ state: 'retry_scheduled', delayMs: 5000, dueAt: new Date('2025-01-01T00:00:06Z'), lane: 0 });
    const second = planRetry({ attempt: 2, receivedAt, now, statusCode: null, retryAfter: null, policy, random: () => 0.5 });
    expect(second).toMatchObject({ state: 'retry_scheduled', lane: 1 });
  });

  it('dead-letters when the next attempt would be after the window', () => {
    const now = new Date('2025-01-01T00:59:30Z');
    expect(planRetry({ attempt: 5, receivedAt, now, statusCode: 500, retryAfter: null, policy, random: () => 0.5 })).toEqual({
      state: 'dead',
    });
  });

  it('lets Retry-After push the attempt into a slower lane', () => {
    const now = new Date('2025-01-01T00:00:01Z');
    const plan = planRetry({ attempt: 1, receivedAt, now, statusCode: 429, retryAfter: '60', policy, random: () => 0.5 });
    expect(plan).toMatchObject({ state: 'retry_scheduled', delayMs: 60_000, lane: 1 });
  });
});

describe('attemptEvent', () => {
  const base = {
    eventId: 'evt_1',
    phoneNumberId: '106540352242922',
    channelId: '5f0c2a52-6c53-4d1e-9d0e-0a4b1c2d3e4f',
    destinationId: '9a0c2a52-6c53-4d1e-9d0e-0a4b1c2d3e4f',
    slot: 'primary',
    attemptedAt: new Date('2025-01-01T00:00:00Z'),
  };

  it('builds a valid partner.deliveries.v1 record for a delivery', () => {
    const event = attemptEvent({
      ...base,
      attempt: 1,
      statusCode: 200,
      errorClass: null,
      latencyMs: 12.6,
      state: 'delivered',
      nextAttemptAt: null,
    });
    expect(assertDeliveryAttemptEvent(event)).toEqual({
      event_id: 'evt_1',
      phone_number_id: '106540352242922',
      channel_id: base.channelId,
      destination_id: base.destinationId,
      destination: 'primary',
      attempt: 1,
      status_code: 200,
      error_class: null,
      latency_ms: 13,
      state: 'delivered',
      next_attempt_at: null,
      attempted_at: '2025-01-01T00:00:00.000Z',
    });
  });

  it('builds a valid record for a scheduled retry and for an event kept without binding', () => {
    const retry = attemptEvent({
      ...base,
      attempt: 3,
      statusCode: null,
      errorClass: 'timeout',
      latencyMs: 5000,
      state: 'retry_scheduled',
      nextAttemptAt: new Date('2025-01-01T00:05:00Z'),
    });
    expect(() => assertDeliveryAttemptEvent(retry)).not.toThrow();
    expect(retry.next_attempt_at).toBe('2025-01-01T00:05:00.000Z');
    const unbound = attemptEvent({
      ...base,
      channelId: null,
      destinationId: null,
      attempt: 1,
      statusCode: null,
      errorClass: 'unknown_number',
      latencyMs: 0,
      state: 'retry_scheduled',
      nextAttemptAt: new Date('2025-01-01T00:00:05Z'),
    });
    expect(() => assertDeliveryAttemptEvent(unbound)).not.toThrow();
  });

  it('builds valid records for the final states', () => {
    for (const state of ['dead', 'disabled'] as const) {
      const event = attemptEvent({ ...base, attempt: 9, statusCode: 410, errorClass: 'http_status', latencyMs: 3, state, nextAttemptAt: null });
      expect(() => assertDeliveryAttemptEvent(event)).not.toThrow();
    }
  });
});

describe('deliveries rows', () => {
  it('keeps the first-attempt success out of Postgres and everything else in', () => {
    expect(needsDeliveryRow('delivered', 1)).toBe(false);
    expect(needsDeliveryRow('delivered', 2)).toBe(true);
    expect(needsDeliveryRow('retry_scheduled', 1)).toBe(true);
    expect(needsDeliveryRow('dead', 9)).toBe(true);
    expect(needsDeliveryRow('disabled', 1)).toBe(true);
  });

  it('names the destination by slot, per channel for WABA-level events', () => {
    expect(deliveryRowDestination('primary', false, '123')).toBe('primary');
    expect(deliveryRowDestination('crm', true, '123')).toBe('crm@123');
  });
});
