import { DELIVERY_ERROR_CLASSES, DeadLetterHeaders, RetryHeaders, WebhookHeaders, type DeliveryErrorClass } from '@wabridge/contracts';
import type { ConsumedRecord, OutgoingRecord } from '@wabridge/kafka';

/** The retry-lane headers that say which channel and scope a retry is for (part of RetryHeaders). */
export const RouterRetryHeaders = {
  channelId: RetryHeaders.channelId,
  scope: RetryHeaders.scope,
} as const;

export type RetryScope = 'slot' | 'channel';

/** One event from whatsapp.webhooks.v1, as the router needs it. The value stays opaque bytes. */
export interface InboundEvent {
  eventId: string;
  receivedAt: Date;
  phoneNumberId: string | null;
  wabaId: string | null;
  /** the Kafka key: the phone_number_id, or `waba:<id>` for account-level changes */
  key: string;
  value: Buffer;
  /** the record's headers as received, carried along on retry and dead-letter records */
  headers: Record<string, string>;
}

/** A retry-lane record: the event plus what the next attempt is about. */
export interface RetryTicket {
  event: InboundEvent;
  /** the number of the attempt this record asks for, ≥ 2 */
  attempt: number;
  /** `primary` or an extra destination's name */
  slot: string;
  scope: RetryScope;
  channelId: string | null;
  dueAt: Date;
  reason: DeliveryErrorClass;
}

export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

function nonEmpty(value: string | undefined): string | null {
  return value !== undefined && value.trim().length > 0 ? value : null;
}

function dateOf(value: string | undefined): Date | null {
  if (value === undefined) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time);
}

/**
 * Reads a whatsapp.webhooks.v1 record. Routing needs only the headers, so the body is never parsed.
 * A record without event id, body or any routing id cannot be delivered: the caller quarantines it.
 */
export function readWebhookRecord(record: ConsumedRecord): Read<InboundEvent> {
  const headers = record.headers;
  const eventId = nonEmpty(headers[WebhookHeaders.eventId]);
  if (!eventId) return { ok: false, reason: 'record without event-id header' };
  if (!record.value || record.value.length === 0) return { ok: false, reason: 'record without a value' };
  const phoneNumberId = nonEmpty(headers[WebhookHeaders.phoneNumberId]);
  const wabaId = nonEmpty(headers[WebhookHeaders.wabaId]);
  if (!phoneNumberId && !wabaId) return { ok: false, reason: 'record without phone-number-id and waba-id headers' };
  const receivedAt = dateOf(headers[WebhookHeaders.receivedAt]) ?? new Date(Number(record.timestamp) || Date.now());
  return {
    ok: true,
    value: {
      eventId,
      receivedAt,
      phoneNumberId,
      wabaId,
      key: phoneNumberId ?? `waba:${wabaId}`,
      value: record.value,
      headers,
    },
  };
}

/** The due time of a retry-lane record, or null when it has none (it is then handled at once). */
export function dueAtOf(record: ConsumedRecord): Date | null {
  return dateOf(record.headers[RetryHeaders.dueAt]);
}

/** Reads a retry-lane record written by retryRecord(). */
export function readRetryRecord(record: ConsumedRecord): Read<RetryTicket> {
  const event = readWebhookRecord(record);
  if (!event.ok) return event;
  const headers = record.headers;
  const attempt = Number(headers[RetryHeaders.attempt]);
  if (!Number.isInteger(attempt) || attempt < 2) return { ok: false, reason: 'retry record with a bad attempt header' };
  const slot = nonEmpty(headers[RetryHeaders.destination]);
  if (!slot) return { ok: false, reason: 'retry record without destination header' };
  const dueAt = dueAtOf(record);
  if (!dueAt) return { ok: false, reason: 'retry record with a bad due-at header' };
  const reason = headers[RetryHeaders.reason] as DeliveryErrorClass;
  if (!DELIVERY_ERROR_CLASSES.includes(reason)) return { ok: false, reason: 'retry record with an unknown reason' };
  const scope = headers[RouterRetryHeaders.scope] === 'channel' ? 'channel' : 'slot';
  return {
    ok: true,
    value: {
      event: event.value,
      attempt,
      slot,
      scope,
      channelId: nonEmpty(headers[RouterRetryHeaders.channelId]),
      dueAt,
      reason,
    },
  };
}

export interface RetryRecordInput {
  attempt: number;
  slot: string;
  scope: RetryScope;
  channelId: string | null;
  dueAt: Date;
  reason: DeliveryErrorClass;
  /** `partition:offset` of the original webhooks record, on the first retry */
  sourceOffset?: string;
}

/**
 * What a retry-lane or parking-lane record carries beside the original headers (kept, so the event
 * id, received-at and routing ids survive every hop): the slot, the next attempt and why, and where
 * the event first came from.
 */
function attemptHeaders(
  event: InboundEvent,
  slot: string,
  input: { attempt: number; reason: DeliveryErrorClass; sourceOffset?: string },
): Record<string, string> {
  const headers: Record<string, string> = {
    ...event.headers,
    [RetryHeaders.eventId]: event.eventId,
    [RetryHeaders.receivedAt]: event.receivedAt.toISOString(),
    [RetryHeaders.destination]: slot,
    [RetryHeaders.attempt]: String(input.attempt),
    [RetryHeaders.reason]: input.reason,
  };
  if (input.sourceOffset && !headers[RetryHeaders.sourceOffset]) headers[RetryHeaders.sourceOffset] = input.sourceOffset;
  return headers;
}

/**
 * A retry-lane record: the original bytes, the original headers (so the event id, received-at and
 * routing ids survive every hop) and the retry state. Only the destination *slot* is recorded, never
 * its URL, so a retry goes wherever the slot points at the time of the attempt.
 */
export function retryRecord(event: InboundEvent, input: RetryRecordInput): OutgoingRecord {
  const headers = attemptHeaders(event, input.slot, input);
  headers[RetryHeaders.dueAt] = input.dueAt.toISOString();
  headers[RouterRetryHeaders.scope] = input.scope;
  if (input.channelId) headers[RouterRetryHeaders.channelId] = input.channelId;
  else delete headers[RouterRetryHeaders.channelId];
  return { key: event.key, value: event.value, headers };
}

export interface DeadLetterInput {
  slot: string;
  attempts: number;
  lastError: DeliveryErrorClass;
  channelId: string | null;
  /** the number the event was meant for; for a WABA-level event, the channel it was fanned out to */
  phoneNumberId: string;
  deadAt: Date;
}

/**
 * A partner.deliveries.dead.v1 record: the original bytes and headers (a replay re-publishes exactly
 * what Meta sent) plus why and where it died. The router's retry state headers are dropped.
 */
export function deadLetterRecord(event: InboundEvent, input: DeadLetterInput): OutgoingRecord {
  const headers: Record<string, string> = { ...event.headers };
  for (const name of [RetryHeaders.attempt, RetryHeaders.dueAt, RetryHeaders.reason, RouterRetryHeaders.scope]) {
    delete headers[name];
  }
  Object.assign(headers, {
    [DeadLetterHeaders.eventId]: event.eventId,
    [DeadLetterHeaders.receivedAt]: event.receivedAt.toISOString(),
    [DeadLetterHeaders.phoneNumberId]: input.phoneNumberId,
    [DeadLetterHeaders.destination]: input.slot,
    [DeadLetterHeaders.attempts]: String(input.attempts),
    [DeadLetterHeaders.lastError]: input.lastError,
    [DeadLetterHeaders.deadAt]: input.deadAt.toISOString(),
  });
  if (input.channelId) headers[DeadLetterHeaders.channelId] = input.channelId;
  return { key: input.phoneNumberId, value: event.value, headers };
}

/** An `ordered` destination: one channel's slot, the unit the parking lane keeps in order. */
export interface OrderedPair {
  channelId: string;
  slot: string;
}

/** The parking lane's key: a pair always lands on one partition, so its events stay in order there. */
export function orderedPairKey(pair: OrderedPair): string {
  return `${pair.channelId}/${pair.slot}`;
}

/** A parking-lane record: an event waiting its turn behind (or as) the head of its ordered pair. */
export interface ParkedTicket {
  event: InboundEvent;
  pair: OrderedPair;
  /** the event's place in its pair, from ordered_pairs.parked_seq */
  seq: bigint;
  /** the number of the next attempt: 1 for an event queued behind the head, ≥ 2 after a failure */
  attempt: number;
  /** when the next attempt is due; null = as soon as it is the head */
  dueAt: Date | null;
}

export interface ParkedRecordInput {
  pair: OrderedPair;
  seq: bigint;
  attempt: number;
  dueAt: Date | null;
  reason: DeliveryErrorClass;
  sourceOffset?: string;
}

/** A parking-lane record: the original bytes and headers, plus the pair, its sequence number and the attempt. */
export function parkedRecord(event: InboundEvent, input: ParkedRecordInput): OutgoingRecord {
  const headers = attemptHeaders(event, input.pair.slot, input);
  headers[RetryHeaders.orderedSeq] = input.seq.toString();
  headers[RouterRetryHeaders.channelId] = input.pair.channelId;
  if (input.dueAt) headers[RetryHeaders.dueAt] = input.dueAt.toISOString();
  else delete headers[RetryHeaders.dueAt];
  delete headers[RouterRetryHeaders.scope];
  return { key: orderedPairKey(input.pair), value: event.value, headers };
}

/** Reads a parking-lane record written by parkedRecord(). */
export function readParkedRecord(record: ConsumedRecord): Read<ParkedTicket> {
  const event = readWebhookRecord(record);
  if (!event.ok) return event;
  const headers = record.headers;
  const channelId = nonEmpty(headers[RouterRetryHeaders.channelId]);
  const slot = nonEmpty(headers[RetryHeaders.destination]);
  if (!channelId || !slot) return { ok: false, reason: 'parked record without channel-id or destination header' };
  const seqText = headers[RetryHeaders.orderedSeq] ?? '';
  if (!/^[1-9][0-9]{0,18}$/.test(seqText)) return { ok: false, reason: 'parked record with a bad ordered-seq header' };
  const attempt = Number(headers[RetryHeaders.attempt]);
  if (!Number.isInteger(attempt) || attempt < 1) return { ok: false, reason: 'parked record with a bad attempt header' };
  const dueText = headers[RetryHeaders.dueAt];
  const dueAt = dueText === undefined ? null : dateOf(dueText);
  if (dueText !== undefined && !dueAt) return { ok: false, reason: 'parked record with a bad due-at header' };
  return { ok: true, value: { event: event.value, pair: { channelId, slot }, seq: BigInt(seqText), attempt, dueAt } };
}
