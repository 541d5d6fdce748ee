import { ApiException } from '../errors/api-exception';
import { parseInput } from '../operator/operator-requests';
import { decodeRowCursor, encodeRowCursor, listDeadLettersSchema, listDeliveriesSchema, parseReplayRequest } from './deliveries-requests';

const CHANNEL = '5f0c6a57-9a43-4b8e-a3a3-0b8f3f2f1d10';

function errorOf(run: () => unknown): { status: number; body: unknown } {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiException) return { status: error.getStatus(), body: error.getResponse() };
    throw error;
  }
  throw new Error('expected an ApiException');
}

describe('parseReplayRequest', () => {
  it('accepts ids, deduplicated', () => {
    expect(parseReplayRequest({ ids: ['evt_a', 'evt_b', 'evt_a'] })).toEqual({ kind: 'ids', ids: ['evt_a', 'evt_b'] });
  });

  it('accepts a channel and a time range', () => {
    expect(parseReplayRequest({ channel_id: CHANNEL.toUpperCase(), from: '2025-01-01T00:00:00Z', to: '2025-01-02T00:00:00+01:00' })).toEqual({
      kind: 'range',
      channelId: CHANNEL,
      from: new Date('2025-01-01T00:00:00Z'),
      to: new Date('2025-01-01T23:00:00Z'),
    });
  });

  it.each([
    [undefined, /body must be/],
    [{}, /body must be/],
    [{ ids: [] }, /body must be|ids must not be empty/],
    [{ ids: ['evt a'] }, /body must be|must be event ids/],
    [{ ids: 'evt_a' }, /body must be|array/],
    [{ channel_id: 'nope', from: '2025-01-01T00:00:00Z', to: '2025-01-02T00:00:00Z' }, /body must be|UUID/],
    [{ channel_id: CHANNEL, from: 'yesterday', to: '2025-01-02T00:00:00Z' }, /body must be|date-time/],
    [{ channel_id: CHANNEL, from: '2025-01-02T00:00:00Z', to: '2025-01-01T00:00:00Z' }, /body must be|after from/],
    [{ ids: ['evt_a'], channel_id: CHANNEL }, /body must be|Unrecognized key/],
  ])('answers 400 to %j', (body, message) => {
    const { status, body: answer } = errorOf(() => parseReplayRequest(body));
    expect(status).toBe(400);
    expect((answer as { error: string }).error).toMatch(message);
  });

  it('refuses more than 10 000 ids', () => {
    const ids = Array.from({ length: 10_001 }, (_, i) => `evt_${i}`);
    expect(errorOf(() => parseReplayRequest({ ids })).status).toBe(400);
  });
});

describe('row cursor', () => {
  it('round-trips', () => {
    const key = { updatedAt: '2025-01-01T00:00:00.123456Z', eventId: 'evt_x', destination: 'primary' };
    expect(decodeRowCursor(encodeRowCursor(key))).toEqual(key);
  });

  it.each(['', 'garbage', Buffer.from('["2025-01-01", "e", "d"]').toString('base64url'), Buffer.from('{}').toString('base64url')])(
    'answers 400 to the cursor %j',
    (cursor) => {
      expect(errorOf(() => decodeRowCursor(cursor))).toEqual({ status: 400, body: { error: 'cursor is invalid' } });
    },
  );
});

describe('list queries', () => {
  it('defaults the limit to 50 and bounds it', () => {
    expect(parseInput(listDeliveriesSchema, {})).toEqual({ limit: 50 });
    expect(errorOf(() => parseInput(listDeliveriesSchema, { limit: '500' })).status).toBe(400);
    expect(errorOf(() => parseInput(listDeadLettersSchema, { channel_id: 'x' })).body).toEqual({ error: 'channel_id must be a UUID' });
  });
});
