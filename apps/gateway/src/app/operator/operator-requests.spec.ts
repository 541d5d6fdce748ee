import { ApiException } from '../errors/api-exception';
import {
  createChannelSchema,
  createClientSchema,
  decodeCursor,
  encodeCursor,
  issueKeySchema,
  listChannelsSchema,
  parseInput,
  parseSlotParam,
  parseUuidParam,
  partnerSlotsSchema,
} from './operator-requests';

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error instanceof ApiException ? { status: error.getStatus(), body: error.getResponse() } : error;
  }
  return undefined;
}

const channel = {
  client_id: '2f1c0f57-6a55-4c55-9a53-0c6a3b0f6f11',
  phone_number_id: '106540352242922',
  waba_id: '102290129340398',
  display_phone_number: '4930609859535',
};

describe('operator input', () => {
  it('accepts a valid channel and client', () => {
    expect(parseInput(createChannelSchema, channel)).toEqual(channel);
    expect(parseInput(createClientSchema, { name: '  Acme  ' })).toEqual({ name: 'Acme' });
  });

  it.each([
    [{ ...channel, client_id: 'nope' }, 'client_id must be a UUID'],
    [{ ...channel, phone_number_id: '../../me' }, 'phone_number_id must be'],
    [{ ...channel, waba_id: undefined }, 'waba_id is required'],
    [{ ...channel, display_phone_number: 12 }, 'display_phone_number is required'],
  ])('names the offending field of %j', (body, message) => {
    expect(errorOf(() => parseInput(createChannelSchema, body))).toEqual({ status: 400, body: { error: expect.stringContaining(message) } });
  });

  it('refuses a non-object body and an empty name', () => {
    expect(errorOf(() => parseInput(createClientSchema, 'x'))).toEqual({ status: 400, body: { error: 'body must be a JSON object' } });
    expect(errorOf(() => parseInput(createClientSchema, { name: ' ' }))).toEqual({ status: 400, body: { error: 'name must not be empty' } });
  });

  it('bounds the page size', () => {
    expect(parseInput(listChannelsSchema, {})).toEqual({ limit: 50 });
    expect(parseInput(listChannelsSchema, { limit: '10' })).toEqual({ limit: 10 });
    expect(errorOf(() => parseInput(listChannelsSchema, { limit: '1000' }))).toMatchObject({ status: 400 });
    expect(errorOf(() => parseInput(listChannelsSchema, { limit: 'x' }))).toMatchObject({ status: 400 });
  });

  it('round-trips a cursor and refuses a forged one', () => {
    const cursor = encodeCursor('2025-06-10T08:00:00.123456Z', channel.client_id);
    expect(decodeCursor(cursor)).toEqual({ createdAt: '2025-06-10T08:00:00.123456Z', id: channel.client_id });
    for (const bad of ['', 'garbage', Buffer.from('["x","y"]').toString('base64url')]) {
      expect(errorOf(() => decodeCursor(bad))).toEqual({ status: 400, body: { error: 'cursor is invalid' } });
    }
  });

  it('validates UUID path parameters', () => {
    expect(parseUuidParam('id', channel.client_id.toUpperCase())).toBe(channel.client_id);
    expect(errorOf(() => parseUuidParam('id', '1; drop table'))).toEqual({ status: 400, body: { error: 'id must be a UUID' } });
  });

  it('reads the slot of a key issue: absent (no body) is slot 1 at the caller, a label is kept, anything else is a 400 naming slot', () => {
    expect(parseInput(issueKeySchema, undefined)).toEqual({});
    expect(parseInput(issueKeySchema, { slot: 'chatbot' })).toEqual({ slot: 'chatbot' });
    expect(parseSlotParam('2')).toBe('2');
    for (const slot of ['', ' 1', 'a/b', 'x'.repeat(33), 3, null]) {
      expect(errorOf(() => parseInput(issueKeySchema, { slot }))).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^slot /) } });
    }
    expect(errorOf(() => parseSlotParam('../1'))).toMatchObject({ status: 400 });
  });

  it('bounds partner_slots by the configured maximum', () => {
    expect(parseInput(partnerSlotsSchema(5), { partner_slots: 5 })).toEqual({ partner_slots: 5 });
    expect(errorOf(() => parseInput(partnerSlotsSchema(5), { partner_slots: 6 }))).toEqual({
      status: 400,
      body: { error: 'partner_slots must be at most 5 (PARTNER_SLOTS_MAX)' },
    });
    for (const partnerSlots of [0, -1, 1.5, '2', undefined]) {
      expect(errorOf(() => parseInput(partnerSlotsSchema(5), { partner_slots: partnerSlots }))).toMatchObject({ status: 400 });
    }
  });
});
