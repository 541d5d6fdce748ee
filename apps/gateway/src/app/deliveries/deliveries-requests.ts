import { z } from 'zod';
import { apiError } from '../errors/api-exception';
import { decodeCursorTuple, POSTGRES_TIMESTAMP } from '../operator/operator-requests';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ingress's event ids: `evt_` and base64url; bounded so a request cannot smuggle anything else */
export const EVENT_ID = /^[A-Za-z0-9_-]{1,100}$/;
/** how many events one replay may name or select: the operator narrows a bigger incident by time */
export const MAX_REPLAY = 10_000;

export const limit = z.coerce
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(200, 'must be at most 200')
  .default(50);

export const listDeliveriesSchema = z.object({
  cursor: z.string().max(400, 'is invalid').optional(),
  limit,
});

export const listDeadLettersSchema = z.object({
  cursor: z.string().max(400, 'is invalid').optional(),
  limit,
  channel_id: z.string().regex(UUID, 'must be a UUID').optional(),
});

export const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2025-01-31T12:00:00Z' });

export const replaySchema = z.union(
  [
    z.strictObject({
      ids: z
        .array(z.string().regex(EVENT_ID, 'must be event ids'), { error: 'must be an array of event ids' })
        .min(1, 'must not be empty')
        .max(MAX_REPLAY, `must hold at most ${MAX_REPLAY} ids`),
    }),
    z
      .strictObject({
        channel_id: z.string({ error: 'is required (a UUID)' }).regex(UUID, 'must be a UUID'),
        from: instant,
        to: instant,
      })
      .refine((value) => Date.parse(value.from) < Date.parse(value.to), { message: 'must be after from', path: ['to'] }),
  ],
  { error: 'body must be {"ids": [...]} or {"channel_id", "from", "to"}' },
);

export type ReplayRequest = { kind: 'ids'; ids: string[] } | { kind: 'range'; channelId: string; from: Date; to: Date };

/** The replay body, or a 400 naming what is wrong. */
export function parseReplayRequest(body: unknown): ReplayRequest {
  const result = replaySchema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    // a union reports its own message; a branch's issue names its field
    const nested = issue.code === 'invalid_union' ? undefined : issue;
    const field = nested?.path.join('.');
    throw apiError(400, field ? `${field} ${nested?.message}` : (issue.message ?? 'body is invalid'));
  }
  const value = result.data;
  if ('ids' in value) return { kind: 'ids', ids: [...new Set(value.ids)] };
  return { kind: 'range', channelId: value.channel_id.toLowerCase(), from: new Date(value.from), to: new Date(value.to) };
}

export interface RowKey {
  /** the exact Postgres timestamp text (microseconds), so no row is skipped or repeated */
  updatedAt: string;
  eventId: string;
  destination: string;
}

/** Keyset cursor over (updated_at, event_id, destination), newest first. */
export function encodeRowCursor(key: RowKey): string {
  return Buffer.from(JSON.stringify([key.updatedAt, key.eventId, key.destination])).toString('base64url');
}

const rowCursor = z.tuple([z.string().regex(POSTGRES_TIMESTAMP), z.string().max(200), z.string().max(200)]);

export function decodeRowCursor(cursor: string): RowKey {
  const [updatedAt, eventId, destination] = decodeCursorTuple(rowCursor, cursor);
  return { updatedAt, eventId, destination };
}
