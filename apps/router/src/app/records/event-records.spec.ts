import type { ConsumedRecord } from '@wabridge/kafka';
import { deadLetterRecord, dueAtOf, parkedRecord, readParkedRecord, readRetryRecord, readWebhookRecord, retryRecord, type InboundEvent } from './event-records';

const value = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

function consumed(headers: Record<string, string>, overrides: Partial<ConsumedRecord> = {}): ConsumedRecord {
  return {
    topic: 'whatsapp.webhooks.v1',
    partition: 1,
    offset: '42',
    key: '106540352242922',
    value,
    headers,
    timestamp: String(Date.parse('2025-01-01T00:00:01Z')),
    ...overrides,
  };
}

const webhookHeaders = {
  'event-id': 'evt_abc',
  'received-at': '2025-01-01T00:00:00.000Z',
  'phone-number-id': '106540352242922',
  'waba-id': '102290129340398',
  field: 'messages',
  'content-type': 'application/json',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

function event(): InboundEvent {
  const read = readWebhookRecord(consumed(webhookHeaders));
  if (!read.ok) throw new Error(read.reason);
  return read.value;
}

describe('readWebhookRecord', () => {
  it('reads the routing headers and keeps the value as opaque bytes', () => {
    const read = readWebhookRecord(consumed(webhookHeaders));
    expect(read).toEqual({
      ok: true,
      value: {
        eventId: 'evt_abc',
        receivedAt: new Date('2025-01-01T00:00:00Z'),
        phoneNumberId: '106540352242922',
        wabaId: '102290129340398',
        key: '106540352242922',
        value,
        headers: webhookHeaders,
      },
    });
  });

  it('reads a WABA-level event (no phone number) keyed by waba', () => {
    const headers: Record<string, string> = { ...webhookHeaders };
    delete headers['phone-number-id'];
    const read = readWebhookRecord(consumed(headers));
    expect(read.ok && read.value).toMatchObject({ phoneNumberId: null, wabaId: '102290129340398', key: 'waba:102290129340398' });
  });

  it('falls back to the Kafka timestamp when received-at is missing or unreadable', () => {
    const read = readWebhookRecord(consumed({ ...webhookHeaders, 'received-at': 'yesterday' }));
    expect(read.ok && read.value.receivedAt).toEqual(new Date('2025-01-01T00:00:01Z'));
  });

  it.each([
    [{ ...webhookHeaders, 'event-id': '' }, {}, 'event-id'],
    [webhookHeaders, { value: null }, 'without a value'],
    [webhookHeaders, { value: Buffer.alloc(0) }, 'without a value'],
    [{ 'event-id': 'evt_1', 'received-at': '2025-01-01T00:00:00Z' }, {}, 'phone-number-id and waba-id'],
  ])('explains why a record cannot be routed (%#)', (headers, overrides, reason) => {
    expect(readWebhookRecord(consumed(headers, overrides as Partial<ConsumedRecord>))).toEqual({
      ok: false,
      reason: expect.stringContaining(reason),
    });
  });
});

describe('retry records', () => {
  const dueAt = new Date('2025-01-01T00:00:05Z');

  it('carry the original bytes, the original headers and the retry state, and read back', () => {
    const record = retryRecord(event(), {
      attempt: 2,
      slot: 'primary',
      scope: 'slot',
      channelId: '5f0c2a52-6c53-4d1e-9d0e-0a4b1c2d3e4f',
      dueAt,
      reason: 'http_status',
      sourceOffset: '1:42',
    });
    expect(record.key).toBe('106540352242922');
    expect(record.value).toBe(value);
    expect(record.headers).toMatchObject({
      ...webhookHeaders,
      destination: 'primary',
      attempt: '2',
      'due-at': '2025-01-01T00:00:05.000Z',
      reason: 'http_status',
      scope: 'slot',
      'channel-id': '5f0c2a52-6c53-4d1e-9d0e-0a4b1c2d3e4f',
      'source-offset': '1:42',
    });
    const back = consumed(record.headers ?? {}, { topic: 'partner.deliveries.retry.v1.0' });
    expect(dueAtOf(back)).toEqual(dueAt);
    expect(readRetryRecord(back)).toEqual({
      ok: true,
      value: {
        event: { ...event(), headers: record.headers },
        attempt: 2,
        slot: 'primary',
        scope: 'slot',
        channelId: '5f0c2a52-6c53-4d1e-9d0e-0a4b1c2d3e4f',
        dueAt,
        reason: 'http_status',
      },
    });
  });

  it('never hold the destination URL, only its slot', () => {
    const record = retryRecord(event(), { attempt: 2, slot: 'crm', scope: 'slot', channelId: null, dueAt, reason: 'timeout' });
    expect(JSON.stringify(record.headers)).not.toMatch(/https?:/);
    expect(record.headers?.['channel-id']).toBeUndefined();
  });

  it('keep the first source offset across hops', () => {
    const first = retryRecord(event(), { attempt: 2, slot: 'primary', scope: 'slot', channelId: null, dueAt, reason: 'timeout', sourceOffset: '1:42' });
    const again = readRetryRecord(consumed(first.headers ?? {}));
    if (!again.ok) throw new Error(again.reason);
    const second = retryRecord(again.value.event, { attempt: 3, slot: 'primary', scope: 'slot', channelId: null, dueAt, reason: 'timeout' });
    expect(second.headers).toMatchObject({ attempt: '3', 'source-offset': '1:42' });
  });

  it.each([
    [{ attempt: '1' }, 'attempt'],
    [{ attempt: 'x' }, 'attempt'],
    [{ destination: '' }, 'destination'],
    [{ 'due-at': 'never' }, 'due-at'],
    [{ reason: 'bored' }, 'reason'],
  ])('refuse a damaged retry record (%j)', (damage, reason) => {
    const record = retryRecord(event(), { attempt: 2, slot: 'primary', scope: 'slot', channelId: null, dueAt, reason: 'timeout' });
    expect(readRetryRecord(consumed({ ...record.headers, ...damage }))).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });
});

describe('deadLetterRecord', () => {
  it('holds the original bytes and headers plus why it died, without the retry state', () => {
    const retry = retryRecord(event(), {
      attempt: 7,
      slot: 'primary',
      scope: 'slot',
      channelId: '5f0c2a52-6c53-4d1e-9d0e-0a4b1c2d3e4f',
      dueAt: new Date(),
      reason: 'timeout',
    });
    const read = readRetryRecord(consumed(retry.headers ?? {}));
    if (!read.ok) throw new Error(read.reason);
    const dead = deadLetterRecord(read.value.event, {
      slot: 'primary',
      attempts: 7,
      lastError: 'timeout',
      channelId: '5f0c2a52-6c53-4d1e-9d0e-0a4b1c2d3e4f',
      phoneNumberId: '106540352242922',
      deadAt: new Date('2025-01-08T00:00:00Z'),
    });
    expect(dead.value).toBe(value);
    expect(dead.key).toBe('106540352242922');
    expect(dead.headers).toMatchObject({
      'event-id': 'evt_abc',
      'received-at': '2025-01-01T00:00:00.000Z',
      'phone-number-id': '106540352242922',
      'waba-id': '102290129340398',
      field: 'messages',
      destination: 'primary',
      attempts: '7',
      'last-error': 'timeout',
      'dead-at': '2025-01-08T00:00:00.000Z',
      'channel-id': '5f0c2a52-6c53-4d1e-9d0e-0a4b1c2d3e4f',
    });
    for (const name of ['attempt', 'due-at', 'reason', 'scope']) expect(dead.headers?.[name]).toBeUndefined();
  });
});

describe('parking-lane records', () => {
  const pair = { channelId: '7b0c6f52-6a8e-4d53-9a57-2f1f5f6f2a11', slot: 'crm' };

  const reread = (record: ReturnType<typeof parkedRecord>) =>
    readParkedRecord(consumed(record.headers ?? {}, { key: record.key ?? null, value: record.value as Buffer }));

  it('round-trips the event, the pair, its sequence number, the attempt and the due time', () => {
    const dueAt = new Date('2025-01-01T00:00:05.000Z');
    const record = parkedRecord(event(), { pair, seq: 12n, attempt: 2, dueAt, reason: 'http_status', sourceOffset: '1:42' });
    expect(record.key).toBe(`${pair.channelId}/crm`);
    expect(record.value).toBe(value);
    expect(record.headers).toMatchObject({ 'event-id': 'evt_abc', 'ordered-seq': '12', 'source-offset': '1:42', traceparent: webhookHeaders.traceparent });
    const read = reread(record);
    expect(read).toEqual({ ok: true, value: { event: expect.objectContaining({ eventId: 'evt_abc' }), pair, seq: 12n, attempt: 2, dueAt } });
  });

  it('an event queued behind the head has no due time and attempt 1', () => {
    const read = reread(parkedRecord(event(), { pair, seq: 3n, attempt: 1, dueAt: null, reason: 'ordered_wait' }));
    expect(read.ok && read.value).toMatchObject({ attempt: 1, dueAt: null, seq: 3n });
  });

  it.each([
    ['ordered-seq', '0', 'bad ordered-seq'],
    ['ordered-seq', '-4', 'bad ordered-seq'],
    ['attempt', 'x', 'bad attempt'],
    ['due-at', 'soon', 'bad due-at'],
    ['channel-id', ' ', 'without channel-id'],
  ])('refuses a record whose %s is %p', (header, bad, reason) => {
    const record = parkedRecord(event(), { pair, seq: 1n, attempt: 2, dueAt: new Date(), reason: 'timeout' });
    const read = readParkedRecord(consumed({ ...record.headers, [header]: bad }));
    expect(read).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });
});
