/** whatsapp.outbound.v1: one accepted partner send. Never the recipient, never the content. */
export interface OutboundEvent {
  wamid: string;
  phone_number_id: string;
  channel_id: string;
  client_id: string;
  type: string;
  template?: { name: string; language: string };
  accepted_at: string;
}

export const outboundEventSchema = {
  $id: 'https://wabridge.dev/schemas/whatsapp.outbound.v1.json',
  title: 'whatsapp.outbound.v1 record value: an accepted send',
  type: 'object',
  additionalProperties: false,
  required: ['wamid', 'phone_number_id', 'channel_id', 'client_id', 'type', 'accepted_at'],
  properties: {
    wamid: { type: 'string', minLength: 1 },
    phone_number_id: { type: 'string', minLength: 1 },
    channel_id: { type: 'string', format: 'uuid' },
    client_id: { type: 'string', format: 'uuid' },
    type: { type: 'string', minLength: 1 },
    template: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'language'],
      properties: { name: { type: 'string', minLength: 1 }, language: { type: 'string' } },
    },
    accepted_at: { type: 'string', format: 'date-time' },
  },
} as const;
