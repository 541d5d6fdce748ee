import { assertDeliveryAttemptEvent } from '@wabridge/contracts';
import { attemptEvent, deliveryRowDestination, needsDeliveryRow, planRetry } from './delivery-outcome';
import { retryPolicy } from './retry-policy';

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
