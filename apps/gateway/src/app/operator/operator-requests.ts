import { PARTNER_SLOT_PATTERN } from '@wabridge/contracts';
import { z } from 'zod';
import { apiError } from '../errors/api-exception';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Meta's ids are numeric strings; letters, dash and underscore are tolerated, nothing that could bend a URL path. */
const GRAPH_ID = /^[A-Za-z0-9_-]{1,64}$/;

const uuid = z.string({ error: 'is required (a UUID)' }).regex(UUID, 'must be a UUID');
const graphId = z.string({ error: 'is required (a string)' }).regex(GRAPH_ID, 'must be 1 to 64 letters, digits, - or _');

export const createClientSchema = z.object({
  name: z.string({ error: 'is required (a string)' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
});

export const createChannelSchema = z.object({
  client_id: uuid,
  phone_number_id: graphId,
  waba_id: graphId,
  display_phone_number: z
    .string({ error: 'is required (a string)' })
    .trim()
    .regex(/^\+?[0-9][0-9 ()-]{3,30}$/, 'must be a phone number such as 4930609859535'),
});

export const listChannelsSchema = z.object({
  cursor: z.string().max(200, 'is invalid').optional(),
  limit: z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
  client_id: uuid.optional(),
});

const slotLabel = z
  .string({ error: 'must be a string' })
  .regex(PARTNER_SLOT_PATTERN, 'must be 1 to 32 letters, digits, - or _, starting with a letter or digit (such as 1, 2 or chatbot)');

/** `{slot?}` of a key issue; without a body, slot `1`. */
export const issueKeySchema = z.object({ slot: slotLabel.optional() });

export function parseSlotParam(value: string): string {
  return parseInput(z.object({ slot: slotLabel }), { slot: value }).slot;
}

export function partnerSlotsSchema(max: number) {
  return z.object({
    partner_slots: z
      .number({ error: 'is required (an integer)' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(max, `must be at most ${max} (PARTNER_SLOTS_MAX)`),
  });
}

export function isPartnerId(value: string): boolean {
  return GRAPH_ID.test(value);
}

/** Parses operator input; a 400 names the first offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.');
  throw apiError(400, field ? `${field} ${issue.message}` : 'body must be a JSON object');
}

export function parseUuidParam(name: string, value: string): string {
  if (!UUID.test(value)) throw apiError(400, `${name} must be a UUID`);
  return value.toLowerCase();
}

/** Keyset cursor over (created_at, id): the exact Postgres timestamp text, so no row is skipped or repeated. */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** The exact Postgres timestamp text of a keyset cursor (microseconds, UTC). */
export const POSTGRES_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A base64url JSON cursor checked by `schema`; anything else is the operator API's 400. */
export function decodeCursorTuple<S extends z.ZodType>(schema: S, cursor: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw apiError(400, 'cursor is invalid');
  }
  const result = schema.safeParse(value);
  if (!result.success) throw apiError(400, 'cursor is invalid');
  return result.data;
}

const createdCursor = z.tuple([z.string().regex(POSTGRES_TIMESTAMP), z.string().regex(UUID)]);

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = decodeCursorTuple(createdCursor, cursor);
  return { createdAt, id };
}
