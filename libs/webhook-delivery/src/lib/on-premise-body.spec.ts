import { metaFixture } from '@wabridge/testing';
import { toOnPremiseBody } from './on-premise-body';

const shaped = (body: Buffer) => JSON.parse(String(toOnPremiseBody(body))) as Record<string, unknown[]>;

describe('toOnPremiseBody', () => {
  it('lifts contacts and messages of an inbound message to the top level', () => {
    const body = metaFixture('inbound-text.json');
    const cloud = JSON.parse(body.toString()).entry[0].changes[0].value;
    const result = shaped(body);
    expect(Object.keys(result)).toEqual(['contacts', 'messages']);
    expect(result.contacts).toEqual(cloud.contacts);
    expect(result.messages).toEqual(cloud.messages);
  });

  it('lifts statuses, and errors', () => {
    const status = metaFixture('status-read-priced.json');
    expect(shaped(status).statuses).toEqual(JSON.parse(status.toString()).entry[0].changes[0].value.statuses);
    expect(Object.keys(shaped(metaFixture('errors-rate-limit.json')))).toEqual(['errors']);
  });

  it('concatenates every messages change of every entry, ignoring other fields', () => {
    const envelope = {
      object: 'whatsapp_business_account',
      entry: [
        { id: '1', changes: [{ field: 'messages', value: { messages: [{ id: 'a' }], contacts: [{ wa_id: '1' }] } }] },
        {
          id: '2',
          changes: [
            { field: 'message_template_status_update', value: { messages: [{ id: 'ignored' }] } },
            { field: 'messages', value: { messages: [{ id: 'b' }], statuses: [{ id: 'c' }] } },
          ],
        },
      ],
    };
    expect(shaped(Buffer.from(JSON.stringify(envelope)))).toEqual({
      contacts: [{ wa_id: '1' }],
      messages: [{ id: 'a' }, { id: 'b' }],
      statuses: [{ id: 'c' }],
    });
  });

  it.each([
    ['not JSON', 'not json'],
    ['an array', '[1,2]'],
    ['no entry', '{"object":"whatsapp_business_account"}'],
    ['malformed changes', '{"entry":[{"changes":"x"},null,{"changes":[null,{"field":"messages","value":[]}]}]}'],
    ['only other fields', '{"entry":[{"changes":[{"field":"account_update","value":{"event":"VERIFIED_ACCOUNT"}}]}]}'],
  ])('gives null (deliver as is) for %s', (_, text) => {
    expect(toOnPremiseBody(Buffer.from(text))).toBeNull();
  });

  it("is written in Meta's wire encoding (ASCII only, lowercase \\uXXXX, \\/)", () => {
    const envelope = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            { field: 'messages', value: { messages: [{ id: 'a', text: { body: 'Grüße 👋 https://x.example/p' } }], contacts: [{ profile: { name: 'Zoë' } }] } },
          ],
        },
      ],
    };
    const body = toOnPremiseBody(Buffer.from(JSON.stringify(envelope)));
    expect(body?.toString()).toBe(
      '{"contacts":[{"profile":{"name":"Zo\\u00eb"}}],"messages":[{"id":"a","text":{"body":"Gr\\u00fc\\u00dfe \\ud83d\\udc4b https:\\/\\/x.example\\/p"}}]}',
    );
  });
});
