/**
 * The subset of Meta's WhatsApp Cloud API webhook envelope that wabridge reads. Records on
 * whatsapp.webhooks.v1 carry such an envelope holding exactly one change; everything else in it is
 * passed through untouched.
 */
export interface MetaWebhookEnvelope {
  object: string;
  entry: MetaWebhookEntry[];
}

export interface MetaWebhookEntry {
  id: string;
  changes: MetaWebhookChange[];
}

export interface MetaWebhookChange {
  field: string;
  value: MetaChangeValue;
}

export interface MetaChangeValue {
  messaging_product?: string;
  metadata?: { display_phone_number?: string; phone_number_id?: string };
  contacts?: unknown[];
  messages?: unknown[];
  statuses?: MetaStatus[];
  errors?: unknown[];
  [key: string]: unknown;
}

export interface MetaPricing {
  billable?: boolean;
  pricing_model?: string;
  category?: string;
  type?: string;
}

export interface MetaStatus {
  id: string;
  status: string;
  timestamp?: string;
  recipient_id?: string;
  pricing?: MetaPricing;
  [key: string]: unknown;
}

export const metaWebhookEnvelopeSchema = {
  $id: 'https://wabridge.dev/schemas/whatsapp.webhooks.v1.json',
  title: 'whatsapp.webhooks.v1 record value: a Meta Cloud API webhook envelope with exactly one change',
  type: 'object',
  required: ['object', 'entry'],
  properties: {
    object: { type: 'string' },
    entry: {
      type: 'array',
      minItems: 1,
      maxItems: 1,
      items: {
        type: 'object',
        required: ['id', 'changes'],
        properties: {
          id: { type: 'string' },
          changes: {
            type: 'array',
            minItems: 1,
            maxItems: 1,
            items: {
              type: 'object',
              required: ['field', 'value'],
              properties: {
                field: { type: 'string' },
                value: {
                  type: 'object',
                  properties: {
                    metadata: {
                      type: 'object',
                      required: ['phone_number_id'],
                      properties: {
                        phone_number_id: { type: 'string', minLength: 1 },
                        display_phone_number: { type: 'string' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
