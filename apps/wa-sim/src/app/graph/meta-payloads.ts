import { randomBytes } from 'node:crypto';
import { isObject, type JsonObject } from '@wabridge/util';

/**
 * Builders of the payloads Meta's WhatsApp Cloud API sends and answers, shaped like the fixtures in
 * libs/testing/fixtures/meta. Pure apart from the random ids and the clock, which callers may pass.
 */

/** The recipient that makes the simulated Graph API refuse a send, so error relaying can be tested. */
export const REJECTED_RECIPIENT = '0000';

export interface MetaErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_data?: { messaging_product: 'whatsapp'; details: string };
    error_subcode?: number;
    fbtrace_id: string;
  };
}

/**
 * A message id shaped like Meta's (`wamid.` + base64). Without `/`: webhooks are written in Meta's
 * encoding, where a `/` becomes `\/`, and tests and tools find a message by searching for its id.
 */
export function newWamid(): string {
  return 'wamid.' + randomBytes(30).toString('base64').replace(/\//g, 'Q');
}

function fbtraceId(): string {
  return randomBytes(9).toString('base64url');
}

export function metaError(code: number, message: string, details?: string): MetaErrorBody {
  return {
    error: {
      message,
      type: 'OAuthException',
      code,
      ...(details ? { error_data: { messaging_product: 'whatsapp' as const, details } } : {}),
      fbtrace_id: fbtraceId(),
    },
  };
}

export function invalidTokenError(): MetaErrorBody {
  return metaError(190, 'Invalid OAuth access token - Cannot parse access token');
}

/** What a send request asks for, once checked the way the Graph API checks it. */
export type SendCheck =
  | { kind: 'message'; to: string; type: string; templateName: string | null }
  | { kind: 'mark_read'; messageId: string }
  | { kind: 'error'; status: number; body: MetaErrorBody };

const required = (parameter: string): SendCheck => ({
  kind: 'error',
  status: 400,
  body: metaError(100, `(#100) The parameter ${parameter} is required.`),
});

/** Validates a POST /{phone_number_id}/messages body like Meta does, for the fields wabridge relies on. */
export function checkSendRequest(body: unknown): SendCheck {
  if (!isObject(body) || body.messaging_product !== 'whatsapp') return required('messaging_product');
  if (body.status === 'read') {
    return typeof body.message_id === 'string' && body.message_id.length > 0 ? { kind: 'mark_read', messageId: body.message_id } : required('message_id');
  }
  if (typeof body.to !== 'string' || body.to.length === 0) return required('to');
  if (body.to === REJECTED_RECIPIENT) {
    return {
      kind: 'error',
      status: 400,
      body: metaError(
        131030,
        '(#131030) Recipient phone number not in allowed list',
        'Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.',
      ),
    };
  }
  const type = body.type === undefined ? 'text' : body.type;
  if (typeof type !== 'string') return required('type');
  let templateName: string | null = null;
  if (type === 'template') {
    const template = body.template;
    if (!isObject(template) || typeof template.name !== 'string' || template.name.length === 0) {
      return required('template.name');
    }
    templateName = template.name;
  }
  return { kind: 'message', to: body.to, type, templateName };
}

export function waIdOf(input: string): string {
  return input.replace(/\D/g, '');
}

/** Meta's answer to an accepted send (fixtures/meta/send-response.json). */
export function sendResponse(to: string, wamid: string, isTemplate: boolean): JsonObject {
  return {
    messaging_product: 'whatsapp',
    contacts: [{ input: to, wa_id: waIdOf(to) }],
    messages: [isTemplate ? { id: wamid, message_status: 'accepted' } : { id: wamid }],
  };
}

export type PricingCategory = 'marketing' | 'utility' | 'authentication';

/**
 * Meta categorises templates when they are approved; the simulator has no approval step, so it
 * guesses from the name the way people usually name them. Anything else is `utility`.
 */
export function pricingCategoryFor(templateName: string): PricingCategory {
  const name = templateName.toLowerCase();
  if (/(otp|auth|verif|login|passcode|one_time|2fa)/.test(name)) return 'authentication';
  if (/(promo|offer|sale|discount|marketing|newsletter|campaign|deal|coupon)/.test(name)) return 'marketing';
  return 'utility';
}

/** A display number for a phone number id the simulator was never told about. */
export function displayNumberFor(phoneNumberId: string): string {
  return '1555' + waIdOf(phoneNumberId).slice(-7).padStart(7, '0');
}

export interface BusinessNumber {
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
}

function envelope(number: BusinessNumber, value: JsonObject): JsonObject {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: number.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: number.displayPhoneNumber, phone_number_id: number.phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

function unixSeconds(at: Date): string {
  return String(Math.floor(at.getTime() / 1000));
}

export interface InboundText {
  from: string;
  text: string;
  name?: string;
  wamid: string;
  at?: Date;
}

/** An inbound text message webhook (fixtures/meta/inbound-text.json). */
export function inboundTextWebhook(number: BusinessNumber, message: InboundText): JsonObject {
  const from = waIdOf(message.from);
  return envelope(number, {
    contacts: [{ profile: { name: message.name ?? 'Sim User' }, wa_id: from }],
    messages: [
      {
        from,
        id: message.wamid,
        timestamp: unixSeconds(message.at ?? new Date()),
        type: 'text',
        text: { body: message.text },
      },
    ],
  });
}

export type StatusName = 'sent' | 'delivered' | 'read';

export interface StatusUpdate {
  wamid: string;
  status: StatusName;
  recipient: string;
  /** set for template sends: they are the billable messages */
  templateName: string | null;
  at?: Date;
}

/** A message status webhook (fixtures/meta/status-sent-priced.json), priced for templates (PMP). */
export function statusWebhook(number: BusinessNumber, update: StatusUpdate): JsonObject {
  const status: JsonObject = {
    id: update.wamid,
    status: update.status,
    timestamp: unixSeconds(update.at ?? new Date()),
    recipient_id: waIdOf(update.recipient),
  };
  if (update.templateName !== null) {
    status.pricing = {
      billable: true,
      pricing_model: 'PMP',
      type: 'regular',
      category: pricingCategoryFor(update.templateName),
    };
  }
  return envelope(number, { statuses: [status] });
}

/** GET /{phone_number_id}?fields=health_status */
export function healthStatus(number: BusinessNumber): JsonObject {
  return {
    health_status: {
      can_send_message: 'AVAILABLE',
      entities: [
        { entity_type: 'PHONE_NUMBER', id: number.phoneNumberId, can_send_message: 'AVAILABLE' },
        { entity_type: 'WABA', id: number.wabaId, can_send_message: 'AVAILABLE' },
      ],
    },
    id: number.phoneNumberId,
  };
}
