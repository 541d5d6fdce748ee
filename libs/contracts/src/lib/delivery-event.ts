/** Final or intermediate state of one delivery attempt. */
export type DeliveryState =
  /** a 2xx arrived within the timeout */
  | 'delivered'
  /** the attempt failed (or could not be made) and another one is scheduled */
  | 'retry_scheduled'
  /** the retry window ended; the event went to partner.deliveries.dead.v1 */
  | 'dead'
  /** 410 Gone: the destination was disabled */
  | 'disabled';

/**
 * Why an attempt did not reach a partner when no HTTP status is known. `ordered_wait`: an `ordered`
 * destination's event waits on the parking lane behind the pair's undelivered head.
 */
export const DELIVERY_ERROR_CLASSES = [
  'timeout',
  'network',
  'redirect',
  'http_status',
  'unsafe_destination',
  'no_binding',
  'unknown_number',
  'circuit_open',
  'ordered_wait',
] as const;

export type DeliveryErrorClass = (typeof DELIVERY_ERROR_CLASSES)[number];

/** partner.deliveries.v1: one delivery attempt outcome. */
export interface DeliveryAttemptEvent {
  event_id: string;
  phone_number_id: string;
  channel_id: string | null;
  destination_id: string | null;
  destination: string;
  attempt: number;
  status_code: number | null;
  error_class: DeliveryErrorClass | null;
  latency_ms: number;
  state: DeliveryState;
  next_attempt_at: string | null;
  attempted_at: string;
}

export const deliveryAttemptEventSchema = {
  $id: 'https://wabridge.dev/schemas/partner.deliveries.v1.json',
  title: 'partner.deliveries.v1 record value: one delivery attempt outcome',
  type: 'object',
  additionalProperties: false,
  required: [
    'event_id',
    'phone_number_id',
    'channel_id',
    'destination_id',
    'destination',
    'attempt',
    'status_code',
    'error_class',
    'latency_ms',
    'state',
    'next_attempt_at',
    'attempted_at',
  ],
  properties: {
    event_id: { type: 'string', minLength: 1 },
    phone_number_id: { type: 'string', minLength: 1 },
    channel_id: { type: ['string', 'null'] },
    destination_id: { type: ['string', 'null'] },
    destination: { type: 'string', minLength: 1 },
    attempt: { type: 'integer', minimum: 1 },
    status_code: { type: ['integer', 'null'] },
    error_class: { enum: [null, ...DELIVERY_ERROR_CLASSES] },
    latency_ms: { type: 'number', minimum: 0 },
    state: { enum: ['delivered', 'retry_scheduled', 'dead', 'disabled'] },
    next_attempt_at: { type: ['string', 'null'], format: 'date-time' },
    attempted_at: { type: 'string', format: 'date-time' },
  },
} as const;

/**
 * Headers of a partner.deliveries.dead.v1 record. Its value is the original envelope, byte for byte,
 * so a replay re-publishes exactly what Meta sent.
 */
export const DeadLetterHeaders = {
  eventId: 'event-id',
  receivedAt: 'received-at',
  phoneNumberId: 'phone-number-id',
  destination: 'destination',
  attempts: 'attempts',
  lastError: 'last-error',
  deadAt: 'dead-at',
  /** the channel the event was delivered for, when the router knew it; replay and recover select by it */
  channelId: 'channel-id',
} as const;
