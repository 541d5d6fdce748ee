import { QuarantineHeaders, WebhookHeaders } from '@wabridge/contracts';
import type { OutgoingRecord } from './batching-producer';
import type { ConsumedRecord } from './consumer-runner';

/** The service that quarantined a record: the `source` header (docs/events.md). */
export type QuarantineSource = 'ingress' | 'router' | 'metering';

export interface QuarantineInput {
  /** why the bytes could not be used */
  reason: string;
  /** when ingress accepted them, RFC 3339 */
  receivedAt: string;
  source: QuarantineSource;
}

/** A whatsapp.webhooks.quarantine.v1 record: the bytes as received, kept for the operator, and why. */
export function quarantineRecord(value: Buffer | null, input: QuarantineInput): OutgoingRecord {
  return {
    key: null,
    value,
    headers: {
      [QuarantineHeaders.reason]: input.reason,
      [QuarantineHeaders.receivedAt]: input.receivedAt,
      [QuarantineHeaders.source]: input.source,
    },
  };
}

/**
 * A consumed record a service cannot read, quarantined byte for byte. Its `received-at` is the
 * record's own header when it has one, else `receivedAtIfUnknown`.
 */
export function quarantineConsumedRecord(record: ConsumedRecord, reason: string, source: QuarantineSource, receivedAtIfUnknown: Date): OutgoingRecord {
  return quarantineRecord(record.value, {
    reason,
    receivedAt: record.headers[WebhookHeaders.receivedAt] ?? receivedAtIfUnknown.toISOString(),
    source,
  });
}
