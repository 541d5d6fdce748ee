import type { ConsumedRecord } from './consumer-runner';
import { quarantineConsumedRecord, quarantineRecord } from './quarantine';

const value = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

function consumed(headers: Record<string, string>): ConsumedRecord {
  return {
    topic: 'whatsapp.webhooks.v1',
    partition: 1,
    offset: '42',
    key: '106540352242922',
    value,
    headers,
    timestamp: String(Date.parse('2025-01-01T00:00:01Z')),
  };
}

describe('quarantineRecord', () => {
  it('keeps the bytes as received, unkeyed, with the reason, the time and the source, in that order', () => {
    const record = quarantineRecord(value, { reason: 'malformed JSON', receivedAt: '2025-01-01T00:00:00.000Z', source: 'ingress' });
    expect(record).toEqual({
      key: null,
      value,
      headers: { reason: 'malformed JSON', 'received-at': '2025-01-01T00:00:00.000Z', source: 'ingress' },
    });
    expect(Object.keys(record.headers ?? {})).toEqual(['reason', 'received-at', 'source']);
  });
});

describe('quarantineConsumedRecord', () => {
  it('keeps the bytes and says why', () => {
    const record = quarantineConsumedRecord(consumed({}), 'record without event-id header', 'router', new Date('2025-01-01T00:00:00Z'));
    expect(record).toEqual({
      key: null,
      value,
      headers: { reason: 'record without event-id header', 'received-at': '2025-01-01T00:00:00.000Z', source: 'router' },
    });
  });

  it("takes the record's own received-at when it has one", () => {
    const record = quarantineConsumedRecord(
      consumed({ 'received-at': '2024-12-31T23:59:59.000Z', 'event-id': 'evt_abc' }),
      'not an outbound event',
      'metering',
      new Date('2025-01-01T00:00:01Z'),
    );
    expect(record.headers).toEqual({ reason: 'not an outbound event', 'received-at': '2024-12-31T23:59:59.000Z', source: 'metering' });
  });
});
