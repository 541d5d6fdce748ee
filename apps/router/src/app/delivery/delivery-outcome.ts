import type { DeliveryAttemptEvent, DeliveryErrorClass, DeliveryState } from '@wabridge/contracts';
import { laneFor, nextDueAt, retryDelay, type RetryPolicy } from './retry-policy';

export type RetryPlan =
  | { state: 'retry_scheduled'; dueAt: Date; delayMs: number; lane: number }
  /** the next attempt would fall after the retry window */
  | { state: 'dead' };

export interface RetryPlanInput {
  /** the attempt that just failed */
  attempt: number;
  receivedAt: Date;
  now: Date;
  statusCode: number | null;
  retryAfter: string | null;
  policy: RetryPolicy;
  random?: () => number;
}

/** After a failed attempt: when and in which lane the next one happens, or dead-letter. */
export function planRetry(input: RetryPlanInput): RetryPlan {
  const delayMs = retryDelay(input);
  const dueAt = nextDueAt(input.receivedAt, input.now, delayMs, input.policy);
  if (!dueAt) return { state: 'dead' };
  return { state: 'retry_scheduled', dueAt, delayMs, lane: laneFor(delayMs, input.policy.laneDelaysMs) };
}

export interface AttemptEventInput {
  eventId: string;
  phoneNumberId: string;
  channelId: string | null;
  destinationId: string | null;
  slot: string;
  attempt: number;
  statusCode: number | null;
  errorClass: DeliveryErrorClass | null;
  latencyMs: number;
  state: DeliveryState;
  nextAttemptAt: Date | null;
  attemptedAt: Date;
}

/** The partner.deliveries.v1 record of one attempt. */
export function attemptEvent(input: AttemptEventInput): DeliveryAttemptEvent {
  return {
    event_id: input.eventId,
    phone_number_id: input.phoneNumberId,
    channel_id: input.channelId,
    destination_id: input.destinationId,
    destination: input.slot,
    attempt: input.attempt,
    status_code: input.statusCode,
    error_class: input.errorClass,
    latency_ms: Math.max(0, Math.round(input.latencyMs)),
    state: input.state,
    next_attempt_at: input.nextAttemptAt ? input.nextAttemptAt.toISOString() : null,
    attempted_at: input.attemptedAt.toISOString(),
  };
}

/**
 * Whether an attempt is worth a row in Postgres. The happy path (first attempt delivered) writes
 * nothing, so the database is not on the hot path; everything an operator must see is kept.
 */
export function needsDeliveryRow(state: DeliveryState, attempt: number): boolean {
  return state !== 'delivered' || attempt > 1;
}

/**
 * The `destination` column of a deliveries row: the slot, or `<slot>@<phone_number_id>` for a
 * WABA-level event, which fans out to several channels under one event id.
 */
export function deliveryRowDestination(slot: string, wabaLevel: boolean, phoneNumberId: string): string {
  return wabaLevel ? `${slot}@${phoneNumberId}` : slot;
}
