import { z } from 'zod';
import { EVENT_ID, instant, limit } from '../deliveries/deliveries-requests';

/** The states a `deliveries` row can be in (router: retry_scheduled, dead, disabled, delivered; replays: replayed). */
export const DELIVERY_ROW_STATES = ['retry_scheduled', 'dead', 'disabled', 'delivered', 'replayed'] as const;

/** `GET /v1/deliveries`: unknown parameters are ignored, as query strings go. */
export const partnerDeliveriesSchema = z
  .object({
    state: z.enum(DELIVERY_ROW_STATES, { error: `must be one of ${DELIVERY_ROW_STATES.join(', ')}` }).optional(),
    since: instant.optional(),
    until: instant.optional(),
    destination: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters').optional(),
    event_id: z.string().regex(EVENT_ID, 'must be an event id').optional(),
    cursor: z.string().max(400, 'is invalid').optional(),
    limit,
  })
  .refine((value) => !value.since || !value.until || Date.parse(value.since) < Date.parse(value.until), {
    message: 'must be after since',
    path: ['until'],
  });

export type PartnerDeliveriesQuery = z.output<typeof partnerDeliveriesSchema>;
