import { isObject } from '@wabridge/util';
import { z } from 'zod';
import type { ApiException } from '../errors/api-exception';
import { INVALID, MISSING, onPremiseError } from './on-premise-shapes';

const TEXT_PROBLEM = 'text must be 1 to 139 characters';

/** `PUT /v1/messages/{id}` `{"status": "read"}`. */
export const markReadBody = z.object(
  { status: z.literal('read', { error: 'status must be read' }) },
  { error: 'the body must be a JSON object such as {"status":"read"}' },
);

/** `PATCH /v1/settings/profile/about` `{"text": "..."}`. */
export const aboutBody = z.object(
  { text: z.string({ error: TEXT_PROBLEM }).min(1, TEXT_PROBLEM).max(139, TEXT_PROBLEM) },
  { error: 'the body must be a JSON object such as {"text":"..."}' },
);

/** `GET /v1/settings/profile/photo?format=link`. */
export const photoQuery = z.object({ format: z.literal('link', { error: 'format must be link' }).optional() });

/**
 * The input, or the on-premise API's 400: a missing field is error 1008 naming the field (as the
 * on-premise API answered), anything else 1009 with the problem.
 */
export function parseOnPremiseInput<S extends z.ZodType>(schema: S, input: unknown, version: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const [field] = issue.path;
  const missing = issue.path.length === 1 && isObject(input) && input[String(field)] === undefined;
  const error: ApiException = missing ? onPremiseError(400, MISSING, String(field), version) : onPremiseError(400, INVALID, issue.message, version);
  throw error;
}
