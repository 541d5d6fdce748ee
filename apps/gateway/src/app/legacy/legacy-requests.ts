import { isObject, type JsonObject } from '@wabridge/util';
import { z } from 'zod';
import type { ApiException } from '../errors/api-exception';
import { BUSINESS_FIELDS, INVALID, meta, MISSING, onPremiseError, type Checked } from './on-premise-shapes';

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

const WEBSITES_PROBLEM = 'websites must be a list of URLs';
const text = (field: string) => z.string({ error: `${field} must be a string` });
const businessFields: Record<(typeof BUSINESS_FIELDS)[number], z.ZodType> = {
  address: text('address'),
  description: text('description'),
  email: text('email'),
  vertical: text('vertical'),
  websites: z.array(z.string({ error: WEBSITES_PROBLEM }), { error: WEBSITES_PROBLEM }),
};

/** `POST /v1/settings/business/profile`: the on-premise fields, each checked in the order given. */
export const businessProfileBody = z
  .record(z.string(), z.unknown(), { error: `the body must be a JSON object with ${BUSINESS_FIELDS.join(', ')}` })
  .transform((body, context) => {
    for (const [field, value] of Object.entries(body)) {
      const schema = Object.hasOwn(businessFields, field) ? businessFields[field as keyof typeof businessFields] : undefined;
      const problem = schema ? schema.safeParse(value).error?.issues[0].message : `${field.slice(0, 64)} is not a business profile field`;
      if (problem !== undefined) {
        context.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
    }
    return body;
  });

/** The business profile update as the Cloud profile update it is; at least one field (1008). */
export function businessProfileUpdate(body: unknown, version: string): Checked<JsonObject> {
  const checked = checkOnPremiseInput(businessProfileBody, body, version);
  if (!checked.ok) return checked;
  if (Object.keys(checked.value).length === 0) {
    return { ok: false, error: onPremiseError(400, MISSING, `at least one of ${BUSINESS_FIELDS.join(', ')}`, version) };
  }
  return { ok: true, value: { messaging_product: 'whatsapp', ...checked.value } };
}

const CONTACTS_PROBLEM = 'contacts must be a list of 1 to 1000 phone numbers';

/** `POST /v1/contacts` `{"contacts": [...], "blocking"?: "wait" | "no_wait"}`. */
export const contactsBody = z.object(
  {
    contacts: z
      .array(z.string({ error: CONTACTS_PROBLEM }), { error: CONTACTS_PROBLEM })
      .min(1, CONTACTS_PROBLEM)
      .max(1000, CONTACTS_PROBLEM),
    blocking: z.enum(['wait', 'no_wait'], { error: 'blocking must be wait or no_wait' }).optional(),
  },
  { error: 'the body must be a JSON object with contacts' },
);

/**
 * The input, or the on-premise API's 400: a missing field is error 1008 naming the field (as the
 * on-premise API answered), anything else 1009 with the problem.
 */
export function checkOnPremiseInput<S extends z.ZodType>(schema: S, input: unknown, version: string): Checked<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const [field] = issue.path;
  const missing = issue.path.length === 1 && isObject(input) && input[String(field)] === undefined;
  const error: ApiException = missing ? onPremiseError(400, MISSING, String(field), version) : onPremiseError(400, INVALID, issue.message, version);
  return { ok: false, error };
}

export function parseOnPremiseInput<S extends z.ZodType>(schema: S, input: unknown, version: string): z.output<S> {
  const checked = checkOnPremiseInput(schema, input, version);
  if (!checked.ok) throw checked.error;
  return checked.value;
}

/**
 * `POST /v1/contacts`: Cloud has no contact check, so — as 360dialog answers since its Cloud
 * migration — every well-formed number is `valid`, its `wa_id` the digits of the input.
 */
export function contactsCheck(body: unknown, version: string): Checked<JsonObject> {
  const checked = checkOnPremiseInput(contactsBody, body, version);
  if (!checked.ok) return checked;
  const contacts = checked.value.contacts.map((input) => {
    const digits = input.replace(/[\s()+-]/g, '');
    return /^\d{5,15}$/.test(digits) ? { input, status: 'valid', wa_id: digits } : { input, status: 'invalid' };
  });
  return { ok: true, value: { contacts, meta: meta(version) } };
}
