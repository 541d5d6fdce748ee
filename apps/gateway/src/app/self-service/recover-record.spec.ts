import type { ConsumedRecord } from '@wabridge/kafka';
import { recoverRecord } from './recover-record';

const CHANNEL = '5f0c6a57-9a43-4b8e-a3a3-0b8f3f2f1d10';
const NOW = new Date('2025-06-01T12:00:00Z');

const letter = (headers: Record<string, string>): ConsumedRecord => ({
  topic: 'partner.deliveries.dead.v1',
  partition: 0,
  offset: '7',
  key: '106540352242922',
  value: Buffer.from('{"object":"x"}'),
  headers,
  timestamp: '0',
});

describe('recoverRecord', () => {
  it("is a due retry of the slot now bound, with the event's id, bytes and key and a fresh window", () => {
    const record = recoverRecord(
      letter({
        'event-id': 'evt_abc',
        'received-at': '2025-05-20T08:00:00.000Z',
        'phone-number-id': '106540352242922',
        'waba-id': '102290129340398',
        field: 'messages',
        destination: 'old-slot',
        attempts: '9',
        'last-error': 'timeout',
        'dead-at': '2025-05-27T08:00:00.000Z',
        'channel-id': 'someone-else',
      }),
      { slot: 'primary', channelId: CHANNEL, attempt: 10, lastError: 'timeout', now: NOW },
    );
    expect(record.key).toBe('106540352242922');
    expect(String(record.value)).toBe('{"object":"x"}');
    expect(record.headers).toEqual({
      'event-id': 'evt_abc',
      'received-at': NOW.toISOString(),
      'phone-number-id': '106540352242922',
      'waba-id': '102290129340398',
      field: 'messages',
      destination: 'primary',
      attempt: '10',
      'due-at': NOW.toISOString(),
      reason: 'timeout',
      scope: 'slot',
      'channel-id': CHANNEL,
    });
  });

  it('starts at attempt 2 and names a known reason even for rows that never had an attempt or an error class', () => {
    const record = recoverRecord(letter({ 'event-id': 'evt_abc', 'phone-number-id': '1' }), {
      slot: 'crm',
      channelId: CHANNEL,
      attempt: 1,
      lastError: null,
      now: NOW,
    });
    expect(record.headers).toMatchObject({ attempt: '2', reason: 'network', destination: 'crm' });
  });
});
