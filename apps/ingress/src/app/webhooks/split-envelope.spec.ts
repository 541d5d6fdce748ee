import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitEnvelope } from './split-envelope';

const fixture = (name: string) => readFileSync(join(__dirname, '../../../../../libs/testing/fixtures/meta', name));

describe('splitEnvelope', () => {
  it('keeps the exact bytes of a single-change request', () => {
    const raw = fixture('inbound-text.json');
    const result = splitEnvelope(raw, JSON.parse(raw.toString()));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0].value.equals(raw)).toBe(true);
    expect(result.changes[0]).toMatchObject({
      key: '106540352242922',
      phoneNumberId: '106540352242922',
      wabaId: '102290129340398',
      field: 'messages',
    });
    expect(result.changes[0].eventId).toMatch(/^evt_[A-Za-z0-9_-]{32}$/);
  });

  it('gives the same change the same event id, and different changes different ids', () => {
    const a = fixture('status-sent-priced.json');
    const b = fixture('status-read-priced.json');
    const idOf = (raw: Buffer) => {
      const result = splitEnvelope(raw, JSON.parse(raw.toString()));
      return result.ok ? result.changes[0].eventId : '';
    };
    expect(idOf(a)).toBe(idOf(Buffer.from(a)));
    expect(idOf(a)).not.toBe(idOf(b));
  });

  it('splits a multi-change request into one envelope per change', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'W1',
          changes: [
            { field: 'messages', value: { metadata: { phone_number_id: 'P1' }, messages: [] } },
            { field: 'messages', value: { metadata: { phone_number_id: 'P2' }, statuses: [] } },
          ],
        },
        { id: 'W2', changes: [{ field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } }] },
      ],
    };
    const result = splitEnvelope(Buffer.from(JSON.stringify(body)), body);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.changes.map((c) => c.key)).toEqual(['P1', 'P2', 'waba:W2']);
    const second = JSON.parse(result.changes[1].value.toString());
    expect(second).toEqual({ object: 'whatsapp_business_account', entry: [{ id: 'W1', changes: [body.entry[0].changes[1]] }] });
    expect(result.changes[2].phoneNumberId).toBeNull();
  });

  it.each([
    [[], 'not a JSON object'],
    ['text', 'not a JSON object'],
    [{ entry: [] }, 'object is missing'],
    [{ object: 'x', entry: [] }, 'entry is missing'],
    [{ object: 'x', entry: [{ changes: [] }] }, 'without id'],
    [{ object: 'x', entry: [{ id: '1', changes: [{ field: 'messages' }] }] }, 'without field or value'],
    [{ object: 'x', entry: [{ id: '1', changes: [] }] }, 'no changes'],
  ])('explains why %j is not an envelope', (body, reason) => {
    const result = splitEnvelope(Buffer.from(JSON.stringify(body)), body);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });

  it("writes each change of a multi-change request in Meta's wire encoding: the bytes Meta would have sent for it alone", () => {
    const raw = fixture('multi-change-unicode.json');
    const parsed = JSON.parse(raw.toString()) as { object: string; entry: { id: string; changes: unknown[] }[] };
    const result = splitEnvelope(raw, parsed);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.changes).toHaveLength(3);
    const first = result.changes[0].value.toString('latin1');
    expect([...result.changes[0].value].every((byte) => byte < 0x80)).toBe(true);
    expect(first).toContain('"body":"Gr\\u00fc\\u00dfe \\ud83d\\udc4b \\u2014 is https:\\/\\/shop.example.com\\/orders\\/10023 shipped?"');
    // each change's text exactly as it stands in Meta's request
    const changeText = (index: number) =>
      raw
        .toString()
        .split('"changes":[')[1]
        .split(/,(?=\{"field")/)
        [index].replace(/\]\}\]\}$/, '');
    expect(first).toBe(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[${changeText(0)}]}]}`);
    expect(result.changes[1].value.toString()).toContain('"body":"\\u00c7a va? \\ud83d\\ude42 1\\/2"');
    expect(JSON.parse(result.changes[2].value.toString())).toEqual({
      object: parsed.object,
      entry: [{ id: parsed.entry[0].id, changes: [parsed.entry[0].changes[2]] }],
    });
  });
});
