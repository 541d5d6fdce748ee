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
  if (fields === undefined) return { ok: true, fields: undefined };
  if (typeof fields !== 'string') return { ok: false, error: '(#100) fields must be given once' };
  const names = fields.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!allowed.includes(name)) {
      return { ok: false, error: `(#100) Tried accessing nonexisting field (${name.slice(0, 64)}) on node type (${nodeType})` };
    }
  }
  return { ok: true, fields: names.join(',') };
}
