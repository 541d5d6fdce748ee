import { isObject, type JsonObject } from '@wabridge/util';
import { healthStatus, metaError, type BusinessNumber, type MetaErrorBody } from './meta-payloads';

/**
 * Graph nodes other than media and templates, as Meta answers `GET /{id}`: a business phone number,
 * a WhatsApp Business Account, and a number's business profile. Pure.
 */

const PHONE_NUMBER_DEFAULT_FIELDS = [
  'verified_name',
  'code_verification_status',
  'display_phone_number',
  'quality_rating',
  'platform_type',
  'throughput',
  'id',
];
const WABA_DEFAULT_FIELDS = ['id', 'name', 'timezone_id', 'message_template_namespace'];

function pick(node: JsonObject, fields: string | undefined, defaults: string[]): JsonObject {
  const wanted =
    fields === undefined
      ? defaults
      : [
          ...fields
            .split(',')
            .map((field) => field.trim())
            .filter(Boolean),
          'id',
        ];
  return Object.fromEntries(wanted.filter((field) => field in node).map((field) => [field, node[field]]));
}

/** The number's namespace as Meta derives one per WABA (hex in groups, like `c8ae5f90_307a_...`). */
export function templateNamespace(wabaId: string): string {
  const hex = Buffer.from(wabaId.padEnd(16, '0')).toString('hex').slice(0, 32).padEnd(32, '0');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join('_');
}

export function phoneNumberNode(number: BusinessNumber, fields: string | undefined): JsonObject {
  const node: JsonObject = {
    verified_name: `Business ${number.displayPhoneNumber.slice(-4)}`,
    code_verification_status: 'VERIFIED',
    display_phone_number: `+${number.displayPhoneNumber}`,
    quality_rating: 'GREEN',
    platform_type: 'CLOUD_API',
    throughput: { level: 'STANDARD' },
    name_status: 'APPROVED',
    messaging_limit_tier: 'TIER_1K',
    is_official_business_account: false,
    account_mode: 'LIVE',
    status: 'CONNECTED',
    health_status: healthStatus(number).health_status,
    id: number.phoneNumberId,
  };
  return pick(node, fields, PHONE_NUMBER_DEFAULT_FIELDS);
}

export function wabaNode(wabaId: string, fields: string | undefined): JsonObject {
  const node: JsonObject = {
    id: wabaId,
    name: `WABA ${wabaId.slice(-4)}`,
    timezone_id: '1',
    currency: 'USD',
    message_template_namespace: templateNamespace(wabaId),
    account_review_status: 'APPROVED',
    health_status: {
      can_send_message: 'AVAILABLE',
      entities: [{ entity_type: 'WABA', id: wabaId, can_send_message: 'AVAILABLE' }],
    },
  };
  return pick(node, fields, WABA_DEFAULT_FIELDS);
}

const PROFILE_FIELDS = ['about', 'address', 'description', 'email', 'profile_picture_url', 'websites', 'vertical'];
const VERTICALS = new Set([
  'UNDEFINED',
  'OTHER',
  'AUTO',
  'BEAUTY',
  'APPAREL',
  'EDU',
  'ENTERTAIN',
  'EVENT_PLAN',
  'FINANCE',
  'GROCERY',
  'GOVT',
  'HOTEL',
  'HEALTH',
  'NONPROFIT',
  'PROF_SERVICES',
  'RETAIL',
  'TRAVEL',
  'RESTAURANT',
  'NOT_A_BIZ',
]);

/** `GET /{phone_number_id}/whatsapp_business_profile`: `{data: [profile]}`. */
export function businessProfile(stored: JsonObject, fields: string | undefined): JsonObject {
  const wanted = fields === undefined ? PROFILE_FIELDS : fields.split(',').map((field) => field.trim());
  const profile: JsonObject = { messaging_product: 'whatsapp' };
  for (const field of wanted) if (PROFILE_FIELDS.includes(field) && stored[field] !== undefined) profile[field] = stored[field];
  return { data: [profile] };
}

export type ProfileCheck = { ok: true; fields: JsonObject } | { ok: false; body: MetaErrorBody };

const invalid = (message: string): ProfileCheck => ({ ok: false, body: metaError(100, `(#100) ${message}`) });

/** A `POST /{phone_number_id}/whatsapp_business_profile` body, checked as Meta checks it. */
export function checkProfileUpdate(body: unknown): ProfileCheck {
  if (!isObject(body)) return invalid('The request body must be a JSON object');
  if (body.messaging_product !== 'whatsapp') return invalid('The parameter messaging_product is required.');
  const fields: JsonObject = {};
  for (const [field, value] of Object.entries(body)) {
    if (field === 'messaging_product' || field === 'profile_picture_handle') continue;
    if (!PROFILE_FIELDS.includes(field) || field === 'profile_picture_url') return invalid(`Param ${field} is not a business profile field`);
    if (field === 'websites') {
      if (!Array.isArray(value) || value.length > 2 || !value.every((site) => typeof site === 'string' && site.length <= 256)) {
        return invalid('Param websites must be a list of at most 2 URLs');
      }
    } else if (typeof value !== 'string') {
      return invalid(`Param ${field} must be a string`);
    }
    if (field === 'about' && (value as string).length > 139) return invalid('Param about must be at most 139 characters');
    if (field === 'vertical' && !VERTICALS.has(value as string)) return invalid('Param vertical is not a valid vertical');
    fields[field] = value;
  }
  return { ok: true, fields };
}
