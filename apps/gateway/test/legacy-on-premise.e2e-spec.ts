import { randomBytes } from 'node:crypto';
import { provisionChannel, TestStack, type ProvisionedChannel } from '@wabridge/testing';
import { createTemplate, forwardedSends, getBytes, registerNumber } from './compat/compat-kit';
import { call, partnerKey } from './support/http';

const onPremiseError = (code: number) => ({
  meta: { api_status: 'stable', version: 'v21.0' },
  errors: [expect.objectContaining({ code, title: expect.any(String), details: expect.any(String) })],
});

/**
 * The on-premise API calls that SDKs and older integrations still make, mapped onto the Cloud API
 * (wa-sim) and answered in the on-premise shape: `meta` on success, `errors` on failure.
 */
describe('gateway: legacy on-premise calls', () => {
  let stack: TestStack;
  let gateway: string;
  let channel: ProvisionedChannel;
  const key = () => partnerKey(channel.apiKey);

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    gateway = stack.url('gateway');
    channel = await provisionChannel(gateway, stack.adminToken);
    await registerNumber(stack, channel);
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('PUT /v1/messages/{id} {"status":"read"} marks the message read at Meta', async () => {
    const wamid = 'wamid.HBgNNDkxNTEyMzQ1Njc4ORUCABIYFjNFQjBDMEI1RjEwQjlEN0E0NjRFMDcA';
    const answer = await call('PUT', `${gateway}/v1/messages/${wamid}`, { headers: key(), body: { status: 'read' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ meta: { api_status: 'stable', version: 'v21.0' } });
    expect((await forwardedSends(stack, channel.phoneNumberId)).at(-1)!.body).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: wamid });
    for (const body of [{ status: 'delivered' }, {}, [1]]) {
      const bad = await call('PUT', `${gateway}/v1/messages/${wamid}`, { headers: key(), body });
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual(onPremiseError(Array.isArray(body) || 'status' in body ? 1009 : 1008));
    }
    const malformed = await call('PUT', `${gateway}/v1/messages/${wamid}`, { headers: { ...key(), 'content-type': 'application/json' }, body: '{"status":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0]).toMatchObject({ code: 1009 });
  });

  it('POST /v1/media with the file as the raw body uploads it; GET /v1/media/{id} gives the bytes back', async () => {
    const bytes = randomBytes(30000);
    const uploaded = await call('POST', `${gateway}/v1/media`, { headers: { ...key(), 'content-type': 'image/jpeg' }, body: bytes });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toEqual({ media: [{ id: expect.stringMatching(/^\d+$/) }], meta: { api_status: 'stable', version: 'v21.0' } });
    const download = await getBytes(`${gateway}/v1/media/${uploaded.body.media[0].id}`, key());
    expect(download.contentType).toBe('image/jpeg');
    expect(download.bytes.equals(bytes)).toBe(true);
    const asJson = await call('POST', `${gateway}/v1/media`, { headers: key(), body: { file: 'x' } });
    expect(asJson.status).toBe(400);
    expect(asJson.body).toEqual(onPremiseError(1009));
    const noType = await call('POST', `${gateway}/v1/media`, { headers: { ...key(), 'content-type': 'nonsense' }, body: bytes });
    // no media type at all: refused before any route runs, still in the on-premise shape
    expect(noType.status).toBe(415);
    expect(noType.body.errors[0]).toMatchObject({ code: 1009, details: expect.stringContaining('content type') });
    // other content types stay refused everywhere else
    expect((await call('POST', `${gateway}/messages`, { headers: { ...key(), 'content-type': 'image/jpeg' }, body: bytes })).status).toBe(415);
  });

  it('GET/PATCH /v1/settings/profile/about and GET/POST /v1/settings/business/profile read and write the Cloud business profile', async () => {
    expect((await call('PATCH', `${gateway}/v1/settings/profile/about`, { headers: key(), body: { text: 'Open Mo–Fr 9–17 ☀' } })).body).toEqual({
      meta: { api_status: 'stable', version: 'v21.0' },
    });
    expect((await call('GET', `${gateway}/v1/settings/profile/about`, { headers: key() })).body).toEqual({
      settings: { profile: { about: { text: 'Open Mo–Fr 9–17 ☀' } } },
      meta: { api_status: 'stable', version: 'v21.0' },
    });
    const profile = {
      address: 'Hauptstr. 1, Berlin',
      description: 'Bikes',
      email: 'shop@bikes.example',
      vertical: 'RETAIL',
      websites: ['https://bikes.example'],
    };
    expect((await call('POST', `${gateway}/v1/settings/business/profile`, { headers: key(), body: profile })).status).toBe(200);
    expect((await call('GET', `${gateway}/v1/settings/business/profile`, { headers: key() })).body).toEqual({
      settings: { business: { profile } },
      meta: { api_status: 'stable', version: 'v21.0' },
    });
    // the same profile through the Cloud-style path
    expect((await call('GET', `${gateway}/whatsapp_business_profile`, { headers: key() })).body.data[0]).toMatchObject({
      about: 'Open Mo–Fr 9–17 ☀',
      ...profile,
    });

    expect((await call('PATCH', `${gateway}/v1/settings/profile/about`, { headers: key(), body: { text: 'x'.repeat(140) } })).body).toEqual(
      onPremiseError(1009),
    );
    expect((await call('PATCH', `${gateway}/v1/settings/profile/about`, { headers: key(), body: {} })).body).toEqual(onPremiseError(1008));
    expect((await call('POST', `${gateway}/v1/settings/business/profile`, { headers: key(), body: { colour: 'red' } })).body).toEqual(onPremiseError(1009));
    expect((await call('POST', `${gateway}/v1/settings/business/profile`, { headers: key(), body: {} })).body).toEqual(onPremiseError(1008));
    // Meta's own refusal comes back in the on-premise shape too
    const refused = await call('POST', `${gateway}/v1/settings/business/profile`, { headers: key(), body: { vertical: 'SPACESHIPS' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(onPremiseError(100));
  });

  it('GET /v1/settings/profile/photo answers 404 without a photo, and refuses unknown formats', async () => {
    expect((await call('GET', `${gateway}/v1/settings/profile/photo?format=link`, { headers: key() })).status).toBe(404);
    expect((await call('GET', `${gateway}/v1/settings/profile/photo?format=png`, { headers: key() })).body).toEqual(onPremiseError(1009));
  });

  it('GET /v1/configs/phone_number, GET /v1/health and POST /v1/contacts', async () => {
    expect((await call('GET', `${gateway}/v1/configs/phone_number`, { headers: key() })).body).toEqual({
      phone_number: channel.displayPhoneNumber,
      meta: { api_status: 'stable', version: 'v21.0' },
    });
    expect((await call('GET', `${gateway}/v1/health`, { headers: key() })).body).toEqual({
      health: { gateway_status: 'connected' },
      meta: { api_status: 'stable', version: 'v21.0' },
    });
    const contacts = await call('POST', `${gateway}/v1/contacts`, {
      headers: key(),
      body: { blocking: 'wait', contacts: ['+49 151 23456789', 'not a number'], force_check: true },
    });
    expect(contacts.status).toBe(200);
    expect(contacts.body).toEqual({
      contacts: [
        { input: '+49 151 23456789', status: 'valid', wa_id: '4915123456789' },
        { input: 'not a number', status: 'invalid' },
      ],
      meta: { api_status: 'stable', version: 'v21.0' },
    });
    expect((await call('POST', `${gateway}/v1/contacts`, { headers: key(), body: { blocking: 'wait' } })).body).toEqual(onPremiseError(1008));
    expect((await call('POST', `${gateway}/v1/contacts`, { headers: key(), body: { contacts: [] } })).body).toEqual(onPremiseError(1009));
    expect((await call('POST', `${gateway}/v1/contacts`, { headers: key(), body: { contacts: ['1555'], blocking: 'later' } })).body).toEqual(
      onPremiseError(1009),
    );
  });

  it("GET /v1/configs/templates entries carry the WABA namespace and Meta's id as external_id", async () => {
    await createTemplate(stack, channel.wabaId, 'order_shipped');
    const namespace = (
      await call('GET', `${stack.url('wa-sim')}/v21.0/${channel.wabaId}?fields=message_template_namespace`, {
        headers: { authorization: `Bearer ${stack.graphToken}` },
      })
    ).body.message_template_namespace as string;
    const [template] = (await call('GET', `${gateway}/v1/configs/templates`, { headers: key() })).body.waba_templates as Record<string, unknown>[];
    expect(template).toMatchObject({ name: 'order_shipped', namespace, external_id: template.id, status: 'approved' });
    expect(namespace).toMatch(/^[0-9a-f]{8}_/);
  });

  it('answers every legacy call 401 without a key', async () => {
    for (const [method, path] of [
      ['PUT', '/v1/messages/wamid.x'],
      ['POST', '/v1/media'],
      ['GET', '/v1/settings/profile/about'],
      ['GET', '/v1/settings/business/profile'],
      ['GET', '/v1/configs/phone_number'],
      ['GET', '/v1/health'],
      ['POST', '/v1/contacts'],
    ]) {
      const answer = await call(method, `${gateway}${path}`);
      expect({ path, status: answer.status, body: answer.body }).toEqual({ path, status: 401, body: { error: 'Invalid or missing D360-API-KEY' } });
    }
  });
});
