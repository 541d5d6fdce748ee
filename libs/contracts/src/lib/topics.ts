/** Every Kafka topic wabridge produces or consumes. Versioned: a breaking change means a new topic. */
export const Topics = {
  /** One Meta Cloud API change per record, keyed by phone_number_id. */
  webhooks: 'whatsapp.webhooks.v1',
  /** Accepted partner sends (no recipient, no content), keyed by phone_number_id. */
  outbound: 'whatsapp.outbound.v1',
  /** One record per delivery attempt to a partner destination. */
  deliveries: 'partner.deliveries.v1',
  /** Events whose retry window ended, with the original envelope, for replay. */
  dead: 'partner.deliveries.dead.v1',
  /** Authentic requests that could not be parsed or routed, byte for byte. */
  quarantine: 'whatsapp.webhooks.quarantine.v1',
  /** Internal to the router: the durable retry lane (payload + delivery state, never in Postgres). */
  retry: 'partner.deliveries.retry.v1',
  /**
   * Internal to the router: the parking lane of `ordered` destinations, keyed by channel and slot, so
   * a blocked pair's events wait in Kafka order without holding up anything else.
   */
  ordered: 'partner.deliveries.ordered.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: readonly TopicName[] = Object.values(Topics);

/** Record headers on whatsapp.webhooks.v1 (docs/events.md). */
export const WebhookHeaders = {
  eventId: 'event-id',
  receivedAt: 'received-at',
  phoneNumberId: 'phone-number-id',
  wabaId: 'waba-id',
  field: 'field',
  contentType: 'content-type',
  traceparent: 'traceparent',
} as const;

/**
 * Headers of records on the router's internal retry lanes. Besides the router, the gateway writes to
 * the first lane when a partner recovers failed events (docs/delivery.md).
 */
export const RetryHeaders = {
  eventId: 'event-id',
  receivedAt: 'received-at',
  phoneNumberId: 'phone-number-id',
  destination: 'destination',
  attempt: 'attempt',
  dueAt: 'due-at',
  reason: 'reason',
  sourceOffset: 'source-offset',
  /** parking lane only: the event's place in its channel/slot pair (ordered_pairs.parked_seq) */
  orderedSeq: 'ordered-seq',
  /** the channel the retry is for (a WABA-level event fans out to several channels) */
  channelId: 'channel-id',
  /** `slot`: retry one destination slot; `channel`: route the event again (nothing was bound yet) */
  scope: 'scope',
} as const;

/** Headers of records on the quarantine topic. */
export const QuarantineHeaders = {
  reason: 'reason',
  receivedAt: 'received-at',
  source: 'source',
} as const;

export type TopicNames = { -readonly [K in keyof typeof Topics]: string };

/**
 * The topic names a deployment uses: the contract names, optionally behind a namespace prefix
 * (KAFKA_TOPIC_PREFIX) so several stacks can share one cluster. Empty prefix = the contract names.
 */
export function topicNames(prefix = ''): TopicNames {
  const names = {} as TopicNames;
  for (const [key, topic] of Object.entries(Topics) as [keyof typeof Topics, string][]) {
    names[key] = prefix + topic;
  }
  return names;
}
