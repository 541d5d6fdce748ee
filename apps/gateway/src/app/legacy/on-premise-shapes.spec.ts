import { businessProfileUpdate, contactsCheck } from './legacy-requests';
import { onPremiseBusinessProfile, onPremiseHealth, upstreamFailure } from './on-premise-shapes';

const json = (status: number, body: unknown) => ({
  kind: 'response' as const,
  status,
  contentType: 'application/json',
  body: Buffer.from(JSON.stringify(body)),
});

describe('on-premise answer shapes', () => {
  it("turns Meta's error into the on-premise errors list with Meta's status", () => {
    const failure = upstreamFailure(
      json(400, { error: { message: '(#100) Invalid parameter', code: 100, error_data: { details: 'vertical is not valid' } } }),
      'v21.0',
    );
    expect(failure).toEqual({
      status: 400,
      body: { meta: { api_status: 'stable', version: 'v21.0' }, errors: [{ code: 100, title: '(#100) Invalid parameter', details: 'vertical is not valid' }] },
    });
    expect(upstreamFailure({ kind: 'timeout' }, 'v21.0').status).toBe(504);
    expect(upstreamFailure({ kind: 'unreachable' }, 'v21.0').status).toBe(502);
    expect(upstreamFailure(json(500, 'oops'), 'v21.0').body).toMatchObject({ errors: [{ code: 1014 }] });
  });

  it('maps Cloud health to the on-premise gateway status', () => {
    const health = (status: string) => onPremiseHealth({ health_status: { can_send_message: status } }, 'v21.0');
    expect(health('AVAILABLE')).toEqual({ health: { gateway_status: 'connected' }, meta: { api_status: 'stable', version: 'v21.0' } });
    expect(health('LIMITED').health).toEqual({ gateway_status: 'connected' });
    expect(health('BLOCKED').health).toEqual({ gateway_status: 'disconnected' });
    expect(onPremiseHealth('x', 'v21.0').health).toEqual({ gateway_status: 'unknown' });
  });

  it('checks business profile updates and answers the profile in the on-premise shape', () => {
    expect(businessProfileUpdate({ email: 'a@b.example', websites: ['https://b.example'] }, 'v21.0')).toEqual({
      ok: true,
      value: { messaging_product: 'whatsapp', email: 'a@b.example', websites: ['https://b.example'] },
    });
    for (const body of [null, { about: 'x' }, { websites: 'https://b.example' }, { email: 1 }, {}]) expect(businessProfileUpdate(body, 'v21.0').ok).toBe(false);
    expect(onPremiseBusinessProfile({ data: [{ email: 'a@b.example', messaging_product: 'whatsapp' }] }, 'v21.0')).toEqual({
      settings: { business: { profile: { address: '', description: '', email: 'a@b.example', vertical: '', websites: [] } } },
      meta: { api_status: 'stable', version: 'v21.0' },
    });
  });

  it('answers a contacts check as 360dialog does after its Cloud migration', () => {
    expect(contactsCheck({ contacts: ['+1 (555) 000-1111', 'x'] }, 'v21.0')).toMatchObject({
      ok: true,
      value: {
        contacts: [
          { input: '+1 (555) 000-1111', status: 'valid', wa_id: '15550001111' },
          { input: 'x', status: 'invalid' },
        ],
      },
    });
    for (const body of [{}, { contacts: 'x' }, { contacts: [] }, { contacts: [1] }, { contacts: ['1'], blocking: 'x' }, 'x'])
      expect(contactsCheck(body, 'v21.0').ok).toBe(false);
  });
});
