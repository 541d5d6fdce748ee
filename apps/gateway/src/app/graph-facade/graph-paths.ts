import { z } from 'zod';

/**
 * What the Graph facade lets a key reach on Meta-style paths: the key's own number and WABA nodes,
 * with the fields that describe them (never edges such as a WABA's `phone_numbers`, which would
 * list other numbers), and the business profile fields. Pure.
 */

export const GRAPH_VERSION = /^v\d+\.\d+$/;

/** Graph ids are digit strings; anything else names no node and never reaches the Graph API. */
export function isGraphId(value: string): boolean {
  return /^\d{1,64}$/.test(value);
}

export const PHONE_NUMBER_FIELDS = [
  'id',
  'verified_name',
  'display_phone_number',
  'code_verification_status',
  'quality_rating',
  'platform_type',
  'throughput',
  'name_status',
  'new_name_status',
  'messaging_limit_tier',
  'is_official_business_account',
  'account_mode',
  'status',
  'health_status',
] as const;

export const WABA_FIELDS = [
  'id',
  'name',
  'timezone_id',
  'currency',
  'message_template_namespace',
  'account_review_status',
  'business_verification_status',
  'health_status',
] as const;

export const PROFILE_FIELDS = ['about', 'address', 'description', 'email', 'profile_picture_url', 'websites', 'vertical'] as const;

export type FieldCheck = { ok: true; fields: string | undefined } | { ok: false; error: string };

/** `?fields=a,b` limited to `allowed`; Graph's own wording for a field the node does not have. */
export function checkFields(fields: unknown, allowed: readonly string[], nodeType: string): FieldCheck {
  const schema = z
    .string({ error: '(#100) fields must be given once' })
    .transform((text) => text.split(',').map((name) => name.trim()))
    .superRefine((names, context) => {
      const unknown = names.find((name) => !allowed.includes(name));
      if (unknown !== undefined) {
        context.addIssue({ code: 'custom', message: `(#100) Tried accessing nonexisting field (${unknown.slice(0, 64)}) on node type (${nodeType})` });
      }
    })
    .transform((names) => names.join(','))
    .optional();
  const result = schema.safeParse(fields);
  return result.success ? { ok: true, fields: result.data } : { ok: false, error: result.error.issues[0].message };
}

const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;
const NAME_PROBLEM = '(#100) The parameter name is required: lower-case letters, digits and underscores';
const HSM_ID_PROBLEM = '(#100) Param hsm_id must be a template id';

/** `DELETE /{waba_id}/message_templates?name=&hsm_id=`: Graph's own words for a bad parameter. */
export const deleteTemplateQuery = z.object({
  name: z.string({ error: NAME_PROBLEM }).regex(TEMPLATE_NAME, NAME_PROBLEM),
  hsm_id: z.string({ error: HSM_ID_PROBLEM }).refine(isGraphId, HSM_ID_PROBLEM).optional(),
});
