import { assertOutboundEvent, assertWebhookEnvelope, ContractViolation, type MetaWebhookEnvelope, type OutboundEvent } from '@wabridge/contracts';
import { isObject } from '@wabridge/util';

/** The dedupe kinds of metering_dedupe: one count per (kind, wamid), ever. */
export type FactKind = 'template_send' | 'priced_message';

/** A template send accepted by the gateway (whatsapp.outbound.v1, type `template`). */
export interface TemplateSendFact {
  kind: 'template_send';
  wamid: string;
  clientId: string;
  channelId: string;
  templateName: string;
  language: string;
  /** UTC day of accepted_at, YYYY-MM-DD */
  day: string;
}

/** A status Meta priced (whatsapp.webhooks.v1); client and channel are resolved from phoneNumberId. */
export interface PricedMessageFact {
  kind: 'priced_message';
  wamid: string;
  phoneNumberId: string;
  category: string;
  pricingType: string;
  /** UTC day of the status timestamp, YYYY-MM-DD */
  day: string;
}

export type MeteringFact = TemplateSendFact | PricedMessageFact;

/** What one record contributes: zero or more facts, or the reason it cannot be read at all. */
export type DecodedRecord<F> = { ok: true; facts: F[] } | { ok: false; reason: string };

/** The UTC calendar day of an instant, YYYY-MM-DD: counts are bucketed by it whatever the offset in the input. */
export function utcDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/**
 * JSON.parse's own error message quotes the input, which may hold phone numbers or message text, so
 * only a fixed reason leaves this function.
 */
function parseJson(value: Buffer | null): { ok: true; parsed: unknown } | { ok: false; reason: string } {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty record value' };
  try {
    return { ok: true, parsed: JSON.parse(value.toString('utf8')) };
  } catch {
    return { ok: false, reason: 'malformed JSON' };
  }
}

function violation(error: unknown): string {
  return error instanceof ContractViolation ? `schema violation: ${error.details}` : 'schema violation';
}

/** whatsapp.outbound.v1: a `template` send is one fact; every other type counts nothing. */
export function decodeOutboundRecord(value: Buffer | null): DecodedRecord<TemplateSendFact> {
  const json = parseJson(value);
  if (!json.ok) return json;
  let event: OutboundEvent;
  try {
    event = assertOutboundEvent(json.parsed);
  } catch (error) {
    return { ok: false, reason: `outbound event ${violation(error)}` };
  }
  if (event.type !== 'template') return { ok: true, facts: [] };
  if (!event.template) return { ok: false, reason: 'outbound event of type template without template' };
  return {
    ok: true,
    facts: [
      {
        kind: 'template_send',
        wamid: event.wamid,
        clientId: event.client_id,
        channelId: event.channel_id,
        templateName: event.template.name,
        language: event.template.language,
        day: utcDay(new Date(event.accepted_at)),
      },
    ],
  };
}

/** Meta sends unix seconds as a string; anything else is not a status we can bucket. */
function statusInstant(timestamp: unknown): Date | null {
  let seconds: number;
  if (typeof timestamp === 'string' && /^\d{1,12}$/.test(timestamp)) seconds = Number(timestamp);
  else if (typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0) seconds = timestamp;
  else return null;
  const instant = new Date(seconds * 1000);
  return Number.isNaN(instant.getTime()) ? null : instant;
}

function optionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

/**
 * The pricing type of a status: `pricing.type` on per-message pricing; statuses of the older
 * conversation-based model only say `billable`, which becomes `billable` / `not_billable`.
 */
export function pricingTypeOf(pricing: { type?: string; billable?: boolean }): string {
  if (pricing.type) return pricing.type;
  if (pricing.billable === true) return 'billable';
  if (pricing.billable === false) return 'not_billable';
  return 'unknown';
}

/**
 * whatsapp.webhooks.v1: every status that carries `pricing` is one fact. Statuses without pricing
 * and inbound messages count nothing.
 */
export function decodeWebhookRecord(value: Buffer | null): DecodedRecord<PricedMessageFact> {
  const json = parseJson(value);
  if (!json.ok) return json;
  let envelope: MetaWebhookEnvelope;
  try {
    envelope = assertWebhookEnvelope(json.parsed);
  } catch (error) {
    return { ok: false, reason: `webhook envelope ${violation(error)}` };
  }
  const facts: PricedMessageFact[] = [];
  for (const entry of envelope.entry) {
    for (const change of entry.changes) {
      const statuses: unknown = change.value.statuses;
      if (statuses === undefined) continue;
      if (!Array.isArray(statuses)) return { ok: false, reason: 'statuses is not an array' };
      for (const status of statuses as unknown[]) {
        if (!isObject(status)) return { ok: false, reason: 'status is not an object' };
        const pricing = status.pricing;
        if (pricing === undefined || pricing === null) continue;
        if (!isObject(pricing)) return { ok: false, reason: 'status pricing is not an object' };
        if (typeof status.id !== 'string' || status.id.length === 0) return { ok: false, reason: 'priced status without id' };
        const instant = statusInstant(status.timestamp);
        if (!instant) return { ok: false, reason: 'priced status without a unix timestamp' };
        const { category, type, billable } = pricing;
        if (!optionalString(category) || !optionalString(type) || (billable !== undefined && typeof billable !== 'boolean')) {
          return { ok: false, reason: 'priced status with malformed pricing' };
        }
        const phoneNumberId = change.value.metadata?.phone_number_id;
        if (!phoneNumberId) return { ok: false, reason: 'priced status without metadata.phone_number_id' };
        facts.push({
          kind: 'priced_message',
          wamid: status.id,
          phoneNumberId,
          category: category || 'unknown',
          pricingType: pricingTypeOf({ type, billable }),
          day: utcDay(instant),
        });
      }
    }
  }
  return { ok: true, facts };
}
