import type { ConsumedRecord } from './consumer-runner';
import { latestPerEvent, replayRecord } from './dead-letters';

const value = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

function letter(headers: Record<string, string>, offset = '7'): ConsumedRecord {
  return { topic: 'partner.deliveries.dead.v1', partition: 0, offset, key: '106540352242922', value, headers, timestamp: '0' };
}

const original = {
  'event-id': 'evt_abc',
  'received-at': '2025-01-01T00:00:00.000Z',
  'phone-number-id': '106540352242922',
  'waba-id': '102290129340398',
  field: 'messages',
  'content-type': 'application/json',
};

describe('replayRecord', () => {
  it('publishes the original bytes, key and headers again, without what the router added, with a fresh received-at', () => {
    const dead = letter({
      ...original,
      destination: 'primary',
      attempts: '12',
      'last-error': 'timeout',
      'dead-at': '2025-01-08T00:00:00.000Z',
      'channel-id': '5f0c2a52-6c53-4d1e-9d0e-0a4b1c2d3e4f',
    });
    expect(replayRecord(dead, new Date('2025-02-01T00:00:00Z'))).toEqual({
      key: '106540352242922',
      value,
      headers: { ...original, 'received-at': '2025-02-01T00:00:00.000Z' },
    });
  });
});

describe('latestPerEvent', () => {
  it('keeps one record per event id, the last one read, and drops records without one', () => {
    const first = letter({ 'event-id': 'evt_a', destination: 'primary' }, '1');
    const other = letter({ 'event-id': 'evt_b' }, '2');
    const again = letter({ 'event-id': 'evt_a', destination: 'crm' }, '3');
    expect(latestPerEvent([first, other, letter({}, '4'), again])).toEqual([again, other]);
  });
});
