import { aboutBody, businessProfileBody, contactsBody, markReadBody, parseOnPremiseInput, photoQuery } from './legacy-requests';

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return (error as { getResponse(): unknown }).getResponse();
  }
  throw new Error('accepted');
}

const error = (code: number, details: string) => ({ errors: [expect.objectContaining({ code, details })] });

describe('on-premise request bodies', () => {
  it('reads valid input', () => {
    expect(parseOnPremiseInput(markReadBody, { status: 'read' }, 'v')).toEqual({ status: 'read' });
    expect(parseOnPremiseInput(aboutBody, { text: 'Hello' }, 'v')).toEqual({ text: 'Hello' });
    expect(parseOnPremiseInput(photoQuery, { format: undefined }, 'v')).toEqual({});
  });

  it.each([
    [markReadBody, [], error(1009, 'the body must be a JSON object such as {"status":"read"}')],
    [markReadBody, {}, error(1008, 'status')],
    [markReadBody, { status: 'unread' }, error(1009, 'status must be read')],
    [aboutBody, { text: '' }, error(1009, 'text must be 1 to 139 characters')],
    [aboutBody, { text: 'x'.repeat(140) }, error(1009, 'text must be 1 to 139 characters')],
    [aboutBody, { text: 7 }, error(1009, 'text must be 1 to 139 characters')],
    [aboutBody, {}, error(1008, 'text')],
    [photoQuery, { format: 'png' }, error(1009, 'format must be link')],
    [businessProfileBody, { email: 1, colour: 'red' }, error(1009, 'email must be a string')],
    [businessProfileBody, { colour: 'red', email: 1 }, error(1009, 'colour is not a business profile field')],
    [businessProfileBody, { websites: 'https://b.example' }, error(1009, 'websites must be a list of URLs')],
    [contactsBody, {}, error(1008, 'contacts')],
    [contactsBody, { contacts: ['1', 2] }, error(1009, 'contacts must be a list of 1 to 1000 phone numbers')],
    [contactsBody, { contacts: ['1'], blocking: null }, error(1009, 'blocking must be wait or no_wait')],
  ] as const)('refuses %#', (schema, input, expected) => {
    expect(refusal(() => parseOnPremiseInput(schema, input, 'v'))).toEqual(expect.objectContaining(expected));
  });
});
