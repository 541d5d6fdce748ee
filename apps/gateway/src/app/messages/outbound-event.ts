import type { OutboundEvent } from '@wabridge/contracts';
import { isObject, type JsonObject } from '@wabridge/util';

export interface SendingChannel {
  channelId: string;
  clientId: string;
  phoneNumberId: string;
}

/** `language: {code}` in Cloud sends; a bare string in some older clients. */
function languageOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.code === 'string') return value.code;
  return '';
}

/** Mark-as-read calls share the messages endpoint but send nothing. */
export function isMarkAsRead(request: JsonObject): boolean {
  return request.status === 'read';
}

/**
 * The whatsapp.outbound.v1 record of a send Meta accepted: ids, type and template only — the
 * recipient and the content are deliberately left out. Null when there is nothing to record.
 */
export function outboundEventFor(request: JsonObject, response: unknown, channel: SendingChannel, acceptedAt: Date): OutboundEvent | null {
  if (isMarkAsRead(request) || !isObject(response) || !Array.isArray(response.messages)) return null;
  const first: unknown = response.messages[0];
  if (!isObject(first) || typeof first.id !== 'string' || first.id.length === 0) return null;
  const type = typeof request.type === 'string' && request.type.length > 0 ? request.type : 'text';
  const event: OutboundEvent = {
    wamid: first.id,
    phone_number_id: channel.phoneNumberId,
    channel_id: channel.channelId,
    client_id: channel.clientId,
    type,
    accepted_at: acceptedAt.toISOString(),
  };
  const template = request.template;
  if (type === 'template' && isObject(template) && typeof template.name === 'string' && template.name.length > 0) {
    event.template = { name: template.name, language: languageOf(template.language) };
  }
  return event;
}
