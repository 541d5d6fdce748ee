import { DeadLetterHeaders, WebhookHeaders } from '@wabridge/contracts';
import type { OutgoingRecord } from './batching-producer';
import type { ConsumedRecord } from './consumer-runner';

/** Router-added headers on a dead letter that are not part of the original event. */
const DEAD_ONLY_HEADERS: readonly string[] = [
  DeadLetterHeaders.destination,
  DeadLetterHeaders.attempts,
  DeadLetterHeaders.lastError,
  DeadLetterHeaders.deadAt,
  DeadLetterHeaders.channelId,
];

/**
 * The webhook record to publish again: the original bytes, key and headers, minus what the router
 * added when it gave up, and a fresh `received-at` so the replayed event gets a whole retry window
 * (the original one is over, that is why it is dead).
 */
export function replayRecord(letter: ConsumedRecord, now: Date): OutgoingRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(letter.headers)) {
    if (!DEAD_ONLY_HEADERS.includes(name)) headers[name] = value;
  }
  headers[WebhookHeaders.receivedAt] = now.toISOString();
  return { key: letter.key, value: letter.value, headers };
}

/** One record per event id (an event dead for two destinations, or dead twice, is replayed once). */
export function latestPerEvent(letters: ConsumedRecord[]): ConsumedRecord[] {
  const byEvent = new Map<string, ConsumedRecord>();
  for (const letter of letters) {
    const eventId = letter.headers[DeadLetterHeaders.eventId];
    if (eventId) byEvent.set(eventId, letter);
  }
  return [...byEvent.values()];
}
