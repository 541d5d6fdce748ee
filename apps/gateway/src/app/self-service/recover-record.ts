import { DELIVERY_ERROR_CLASSES, RetryHeaders, type DeliveryErrorClass } from '@wabridge/contracts';
import { replayRecord, type ConsumedRecord, type OutgoingRecord } from '@wabridge/kafka';

/**
 * A dead letter (or an original webhooks record) as a due retry of one slot on the router's first retry lane: the original bytes, key
 * and event id (so the same `webhook-id`), a fresh `received-at` (a whole new retry window), and the
 * retry state the router's retry consumer reads.
 */
export function recoverRecord(
  letter: ConsumedRecord,
  input: { slot: string; channelId: string; attempt: number; lastError: string | null; now: Date },
): OutgoingRecord {
  const record = replayRecord(letter, input.now);
  const reason: DeliveryErrorClass = DELIVERY_ERROR_CLASSES.includes(input.lastError as DeliveryErrorClass)
    ? (input.lastError as DeliveryErrorClass)
    : 'network';
  return {
    ...record,
    headers: {
      ...record.headers,
      [RetryHeaders.destination]: input.slot,
      [RetryHeaders.attempt]: String(Math.max(2, input.attempt)),
      [RetryHeaders.dueAt]: input.now.toISOString(),
      [RetryHeaders.reason]: reason,
      [RetryHeaders.scope]: 'slot',
      [RetryHeaders.channelId]: input.channelId,
    },
  };
}
