import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeOutboundRecord, decodeWebhookRecord, pricingTypeOf, utcDay } from './metering-facts';

const fixture = (name: string) => readFileSync(join(__dirname, '../../../../../libs/testing/fixtures/meta', name));
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

const CLIENT = '0f9b7c2e-3d6a-4a51-9e0b-1c2d3e4f5a6b';
const CHANNEL = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function outbound(overrides: Record<string, unknown> = {}) {
  return {
    wamid: 'wamid.T1',
    phone_number_id: '106540352242922',
    channel_id: CHANNEL,
    client_id: CLIENT,
    type: 'template',
    template: { name: 'order_update', language: 'en_US' },
    accepted_at: '2024-06-10T06:14:00.000Z',
    ...overrides,
  };
}

function statusEnvelope(statuses: unknown, withMetadata = true) {
  const metadata = withMetadata ? { metadata: { phone_number_id: 'P1', display_phone_number: '49' } } : {};
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: 'W1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', ...metadata, statuses } }] }],
  };
}

describe('utcDay', () => {
  it.each([
    ['2024-06-10T23:59:59.999Z', '2024-06-10'],
    ['2024-06-30T23:30:00-02:00', '2024-07-01'],
    ['2024-07-01T01:30:00+02:00', '2024-06-30'],
    ['2024-12-31T23:00:00-01:00', '2025-01-01'],
  ])('buckets %s into the UTC day %s', (instant, day) => {
    expect(utcDay(new Date(instant))).toBe(day);
  });
});

describe('decodeOutboundRecord', () => {
  it('turns a template send into one fact bucketed by the UTC day of accepted_at', () => {
    expect(decodeOutboundRecord(json(outbound({ accepted_at: '2024-06-30T22:30:00-03:00' })))).toEqual({
      ok: true,
      facts: [
        {
          kind: 'template_send',
          wamid: 'wamid.T1',
          clientId: CLIENT,
          channelId: CHANNEL,
          templateName: 'order_update',
          language: 'en_US',
          day: '2024-07-01',
        },
      ],
    });
  });

  it.each(['text', 'image', 'interactive'])('counts nothing for a %s send', (type) => {
    expect(decodeOutboundRecord(json({ ...outbound({ type }), template: undefined }))).toEqual({ ok: true, facts: [] });
  });

  it.each([
    ['an empty value', null, 'empty record value'],
    ['bad JSON', Buffer.from('{"wamid": "wamid.T1", +4915123456789'), 'malformed JSON'],
    ['a missing client_id', json({ ...outbound(), client_id: undefined }), "must have required property 'client_id'"],
    ['a channel_id that is no UUID', json(outbound({ channel_id: 'nope' })), 'channel_id'],
    ['an unknown property', json(outbound({ to: '4915123456789' })), 'additional properties'],
    ['a template send without template', json({ ...outbound(), template: undefined }), 'without template'],
  ])('refuses %s with a reason', (_what, value, reason) => {
    const decoded = decodeOutboundRecord(value);
    expect(decoded).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });

  it('never quotes the record in its reason', () => {
    const decoded = decodeOutboundRecord(Buffer.from('{"to": "4915123456789", oops'));
    expect(decoded.ok).toBe(false);
    expect(JSON.stringify(decoded)).not.toContain('4915123456789');
  });
});

describe('decodeWebhookRecord', () => {
  it('reads the priced sent status of the Meta fixture', () => {
    expect(decodeWebhookRecord(fixture('status-sent-priced.json'))).toEqual({
      ok: true,
      facts: [
        {
          kind: 'priced_message',
          wamid: 'wamid.HBgNNDkxNTEyMzQ1Njc4ORUCABEYEjBBQzE5RjQyMDk2OEUzQjM5RAA=',
          phoneNumberId: '106540352242922',
          category: 'marketing',
          pricingType: 'regular',
          day: '2024-06-10',
        },
      ],
    });
  });

  it('gives the read status of the same message the same wamid (deduplicated when counted)', () => {
    const sent = decodeWebhookRecord(fixture('status-sent-priced.json'));
    const read = decodeWebhookRecord(fixture('status-read-priced.json'));
    expect(sent.ok && read.ok && sent.facts[0].wamid === read.facts[0].wamid).toBe(true);
  });

  it.each([
    ['a failed status without pricing', fixture('status-failed.json')],
    ['an inbound message', fixture('inbound-text.json')],
    ['an errors webhook', fixture('errors-rate-limit.json')],
  ])('counts nothing for %s', (_what, value) => {
    expect(decodeWebhookRecord(value)).toEqual({ ok: true, facts: [] });
  });

  it('buckets by the UTC day of the unix timestamp', () => {
    // 1719791999 = 2024-06-30T23:59:59Z, 1719792000 = 2024-07-01T00:00:00Z
    const decoded = decodeWebhookRecord(
      json(
        statusEnvelope([
          { id: 'w1', status: 'sent', timestamp: '1719791999', pricing: { type: 'regular', category: 'utility' } },
          { id: 'w2', status: 'sent', timestamp: 1719792000, pricing: { type: 'regular', category: 'utility' } },
        ]),
      ),
    );
    expect(decoded.ok && decoded.facts.map((fact) => fact.day)).toEqual(['2024-06-30', '2024-07-01']);
  });

  it.each([
    [{ billable: true, pricing_model: 'CBP', category: 'business_initiated' }, 'business_initiated', 'billable'],
    [{ billable: false, pricing_model: 'CBP', category: 'service' }, 'service', 'not_billable'],
    [{ billable: false, type: 'free_customer_service', category: 'service' }, 'service', 'free_customer_service'],
    [{ pricing_model: 'PMP' }, 'unknown', 'unknown'],
    [{ category: '', type: '' }, 'unknown', 'unknown'],
  ])('reads pricing %j as category %s, pricing type %s (legacy billable included)', (pricing, category, pricingType) => {
    const decoded = decodeWebhookRecord(json(statusEnvelope([{ id: 'w1', status: 'delivered', timestamp: '1718000100', pricing }])));
    expect(decoded).toEqual({ ok: true, facts: [expect.objectContaining({ category, pricingType })] });
  });

  it('keeps every priced status of a record and skips the unpriced ones', () => {
    const decoded = decodeWebhookRecord(
      json(
        statusEnvelope([
          { id: 'w1', status: 'sent', timestamp: '1718000100', pricing: { type: 'regular', category: 'marketing' } },
          { id: 'w2', status: 'failed', timestamp: '1718000100' },
          { id: 'w3', status: 'sent', timestamp: '1718000100', pricing: { type: 'regular', category: 'utility' } },
        ]),
      ),
    );
    expect(decoded.ok && decoded.facts.map((fact) => fact.wamid)).toEqual(['w1', 'w3']);
  });

  it.each([
    ['bad JSON', Buffer.from('{"object":'), 'malformed JSON'],
    ['an empty value', Buffer.alloc(0), 'empty record value'],
    ['an envelope without entry', json({ object: 'whatsapp_business_account' }), 'schema violation'],
    [
      'two changes in one record',
      json({
        object: 'x',
        entry: [
          {
            id: 'W',
            changes: [
              { field: 'a', value: {} },
              { field: 'b', value: {} },
            ],
          },
        ],
      }),
      'schema violation',
    ],
    ['statuses that are no array', json(statusEnvelope({ id: 'w1' })), 'not an array'],
    ['a status that is no object', json(statusEnvelope(['w1'])), 'not an object'],
    ['a priced status without id', json(statusEnvelope([{ status: 'sent', timestamp: '1718000100', pricing: { type: 'regular' } }])), 'without id'],
    ['a priced status with a bad timestamp', json(statusEnvelope([{ id: 'w1', timestamp: '2024-06-10', pricing: { type: 'regular' } }])), 'timestamp'],
    ['pricing that is no object', json(statusEnvelope([{ id: 'w1', timestamp: '1718000100', pricing: 'regular' }])), 'pricing is not an object'],
    ['a non-boolean billable', json(statusEnvelope([{ id: 'w1', timestamp: '1718000100', pricing: { billable: 'yes' } }])), 'malformed pricing'],
    ['a priced status without metadata', json(statusEnvelope([{ id: 'w1', timestamp: '1718000100', pricing: { type: 'regular' } }], false)), 'phone_number_id'],
  ])('refuses %s with a reason', (_what, value, reason) => {
    expect(decodeWebhookRecord(value)).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });
});

describe('pricingTypeOf', () => {
  it('prefers pricing.type over the legacy billable flag', () => {
    expect(pricingTypeOf({ type: 'regular', billable: false })).toBe('regular');
    expect(pricingTypeOf({ billable: true })).toBe('billable');
    expect(pricingTypeOf({ billable: false })).toBe('not_billable');
    expect(pricingTypeOf({})).toBe('unknown');
  });
});
