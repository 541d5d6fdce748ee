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

export interface RecoverRequest {
  since: Date;
  until: Date;
  destination: string | null;
}

/** `POST /v1/deliveries/recover`: unknown fields are ignored (they can neither widen nor name anything). */
const recoverSchema = z.object(
  {
    since: instant,
    until: instant.optional(),
    destination: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters').optional(),
  },
  { error: 'body must be a JSON object with since (and optionally until, destination)' },
);

const hours = (ms: number) => `${Math.round((ms / 3_600_000) * 100) / 100} h`;

/**
 * The recover window, or a 400 message saying what is wrong with it: dates must parse, `since` must
 * not be in the future, `until` (default now; a later one counts as now) must be after `since`, and
 * the window must not be longer than the cap.
 */
export function parseRecoverRequest(body: unknown, now: Date, maxWindowMs: number): { ok: true; value: RecoverRequest } | { ok: false; error: string } {
  const result = recoverSchema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join('.');
    return {
      ok: false,
      error: field ? `${field} ${issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message}` : issue.message,
    };
  }
  const since = new Date(result.data.since);
  const given = result.data.until ? new Date(result.data.until) : now;
  if (since.getTime() > now.getTime()) return { ok: false, error: 'since must not be in the future' };
  if (given.getTime() <= since.getTime()) return { ok: false, error: 'until must be after since' };
  const until = given.getTime() > now.getTime() ? now : given;
  if (until.getTime() - since.getTime() > maxWindowMs) {
    return { ok: false, error: `the window from since to until must be at most ${hours(maxWindowMs)} (it is ${hours(until.getTime() - since.getTime())})` };
  }
  return { ok: true, value: { since, until, destination: result.data.destination ?? null } };
}
