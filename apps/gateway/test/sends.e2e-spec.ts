import { request } from 'node:http';
import { assertOutboundEvent, type OutboundEvent } from '@wabridge/contracts';
import { metaFixture, provisionChannel, TestStack, TopicCollector, type ProvisionedChannel } from '@wabridge/testing';
import { bearer, call, partnerKey } from './support/http';

const RECIPIENT = '4915123456789';

/** The parts of a forwarded send body the assertions read. */
interface ForwardedSend {
  messaging_product?: string;
  to?: string;
  status?: string;
  template?: { namespace?: string; language?: unknown; components?: unknown };
}

interface SimRequest {
  version: string;
  phone_number_id: string;
  body: ForwardedSend;
}

describe('gateway: partner sends through the Graph API (wa-sim)', () => {
  let stack: TestStack;
  let gateway: string;
  let channel: ProvisionedChannel;
  let outbound: TopicCollector;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    gateway = stack.url('gateway');
    [channel, outbound] = await Promise.all([provisionChannel(gateway, stack.adminToken), TopicCollector.start(stack.topics.outbound)]);
  }, 120000);

  afterAll(async () => {
    await outbound?.stop();
    await stack?.stop();
  });

  const templateSend = () => JSON.parse(metaFixture('send-template-request.json').toString('utf8')) as Record<string, unknown>;

  async function simReceived(): Promise<SimRequest[]> {
    const answer = await call<{ requests: SimRequest[] }>('GET', `${stack.url('wa-sim')}/sim/requests?phone_number_id=${channel.phoneNumberId}`);
    return answer.body.requests;
  }

  async function outboundEventFor(wamid: string) {
    const [{ value, record }] = await outbound.waitForValues(1, (value: OutboundEvent) => value.wamid === wamid, `outbound event ${wamid}`);
    // every event, whichever path produced it, obeys the contract and carries no recipient
    expect(() => assertOutboundEvent(value)).not.toThrow();
    expect(record.key).toBe(channel.phoneNumberId);
    expect(record.value!.toString('utf8')).not.toContain(RECIPIENT);
    return { value, record };
  }

  it("forwards a Cloud-style template send, relays Meta's answer and publishes one outbound event", async () => {
    const body = templateSend();
    const before = (await simReceived()).length;
    const answer = await call('POST', `${gateway}/messages`, { headers: partnerKey(channel.apiKey), body });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/json');
    expect(answer.body).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: RECIPIENT, wa_id: RECIPIENT }],
      messages: [{ id: expect.stringMatching(/^wamid\./), message_status: 'accepted' }],
    });
    const received = await simReceived();
    expect(received).toHaveLength(before + 1);
    expect(received[received.length - 1]).toMatchObject({ version: 'v21.0', phone_number_id: channel.phoneNumberId, body });

    const wamid = answer.body.messages[0].id;
    const { value, record } = await outboundEventFor(wamid);
    expect(() => assertOutboundEvent(value)).not.toThrow();
    expect(value).toEqual({
      wamid,
      phone_number_id: channel.phoneNumberId,
      channel_id: channel.channelId,
      client_id: channel.clientId,
      type: 'template',
      template: { name: 'order_shipped', language: 'en_US' },
      accepted_at: expect.any(String),
    });
    expect(record.key).toBe(channel.phoneNumberId);
    const raw = record.value!.toString('utf8');
    expect(raw).not.toContain(RECIPIENT);
    expect(raw).not.toContain('Kerry');
  });

  it('forwards a text send and records it as type text without its content', async () => {
    const answer = await call('POST', `${gateway}/messages`, {
      headers: partnerKey(channel.apiKey),
      body: { messaging_product: 'whatsapp', to: RECIPIENT, type: 'text', text: { body: 'Your parcel left the warehouse' } },
    });
    expect(answer.status).toBe(200);
    const { value, record } = await outboundEventFor(answer.body.messages[0].id);
    expect(value).toMatchObject({ type: 'text', channel_id: channel.channelId });
    expect(value).not.toHaveProperty('template');
    expect(record.value!.toString()).not.toContain('parcel');
    expect(record.value!.toString()).not.toContain(RECIPIENT);
  });

  it('converts an on-premise send and answers in the on-premise shape', async () => {
    const onPremise = {
      to: RECIPIENT,
      type: 'template',
      template: {
        namespace: 'c8ae5f90_307a_ca4c_b8f6_d1e2a2573574',
        name: 'order_shipped',
        language: { policy: 'deterministic', code: 'de' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Kerry' }] }],
      },
    };
    const answer = await call('POST', `${gateway}/v1/messages`, { headers: partnerKey(channel.apiKey), body: onPremise });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      messages: [{ id: expect.stringMatching(/^wamid\./) }],
      contacts: [{ input: RECIPIENT, wa_id: RECIPIENT }],
      meta: { api_status: 'stable', version: 'v21.0' },
    });
    const received = await simReceived();
    const forwarded = received[received.length - 1].body;
    expect(forwarded.messaging_product).toBe('whatsapp');
    expect(forwarded.template).not.toHaveProperty('namespace');
    expect(forwarded.template?.language).toEqual({ policy: 'deterministic', code: 'de' });
    expect(forwarded.template?.components).toEqual(onPremise.template.components);

    const { value } = await outboundEventFor(answer.body.messages[0].id);
    expect(value).toMatchObject({ type: 'template', template: { name: 'order_shipped', language: 'de' } });
  });

  it("serves the Graph-style path with a Bearer key or D360-API-KEY, for the key's own number only", async () => {
    const path = `${gateway}/v21.0/${channel.phoneNumberId}/messages`;
    const body = { messaging_product: 'whatsapp', to: RECIPIENT, type: 'text', text: { body: 'hello' } };
    const viaBearer = await call('POST', path, { headers: bearer(channel.apiKey), body });
    expect(viaBearer.status).toBe(200);
    await outboundEventFor(viaBearer.body.messages[0].id);
    const viaHeader = await call('POST', path, { headers: partnerKey(channel.apiKey), body });
    expect(viaHeader.status).toBe(200);
    await outboundEventFor(viaHeader.body.messages[0].id);

    const other = await provisionChannel(gateway, stack.adminToken);
    const before = (await simReceived()).length;
    const forbidden = await call('POST', `${gateway}/v21.0/${other.phoneNumberId}/messages`, { headers: bearer(channel.apiKey), body });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ error: { message: expect.any(String), type: 'OAuthException', code: 200, fbtrace_id: expect.any(String) } });
    expect(await simReceived()).toHaveLength(before);

    const noKey = await call('POST', path, { body });
    expect(noKey.status).toBe(401);
    expect(noKey.body).toEqual({ error: 'Invalid or missing D360-API-KEY' });
  });

  it("relays Meta's errors unchanged and publishes nothing for them", async () => {
    const rejected = { messaging_product: 'whatsapp', to: '0000', type: 'text', text: { body: 'x' } };
    const cloud = await call('POST', `${gateway}/messages`, { headers: partnerKey(channel.apiKey), body: rejected });
    expect(cloud.status).toBe(400);
    expect(cloud.body).toEqual({
      error: {
        message: '(#131030) Recipient phone number not in allowed list',
        type: 'OAuthException',
        code: 131030,
        error_data: { messaging_product: 'whatsapp', details: expect.stringContaining('allowed list') },
        fbtrace_id: expect.any(String),
      },
    });
    const onPremise = await call('POST', `${gateway}/v1/messages`, {
      headers: partnerKey(channel.apiKey),
      body: { to: '0000', type: 'text', text: { body: 'x' } },
    });
    expect(onPremise.status).toBe(400);
    expect(onPremise.body.error.code).toBe(131030);
    const invalid = await call('POST', `${gateway}/messages`, { headers: partnerKey(channel.apiKey), body: { to: RECIPIENT, type: 'text' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({ code: 100, message: expect.stringContaining('messaging_product') });
  });

  it('forwards mark-as-read without an outbound event', async () => {
    const answer = await call('POST', `${gateway}/messages`, {
      headers: partnerKey(channel.apiKey),
      body: { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.inbound-1' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true });
    const received = await simReceived();
    expect(received[received.length - 1].body).toMatchObject({ status: 'read', message_id: 'wamid.inbound-1' });
  });

  it('refuses malformed or non-object bodies with a Meta-shaped 400, without calling Meta', async () => {
    const before = (await simReceived()).length;
    for (const path of ['/messages', '/v1/messages', `/v21.0/${channel.phoneNumberId}/messages`]) {
      for (const body of ['{"to": "49151', '[1,2]', '"text"', '']) {
        const answer = await call('POST', `${gateway}${path}`, { headers: { ...partnerKey(channel.apiKey), 'content-type': 'application/json' }, body });
        expect({ path, body, status: answer.status }).toEqual({ path, body, status: 400 });
        expect(answer.body).toEqual({ error: { message: expect.any(String), type: 'OAuthException', code: 100, fbtrace_id: expect.any(String) } });
        expect(answer.text).not.toContain('at ');
      }
    }
    const huge = await call('POST', `${gateway}/messages`, {
      headers: { ...partnerKey(channel.apiKey), 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: RECIPIENT, type: 'text', text: { body: 'x'.repeat(1100 * 1024) } }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatchObject({ type: 'OAuthException', code: 100 });
    expect(await simReceived()).toHaveLength(before);
  });

  it('answers an oversized JSON body 413 once the client has sent it, not with a reset mid-upload', async () => {
    const body = Buffer.from(JSON.stringify({ messaging_product: 'whatsapp', to: RECIPIENT, type: 'text', text: { body: 'x'.repeat(1100 * 1024) } }));
    const url = new URL(`${gateway}/messages`);
    const outcome = await new Promise<{ status: number; answeredWhileSending: boolean; text: string }>((resolve, reject) => {
      let sent = false;
      const headers = { ...partnerKey(channel.apiKey), 'content-type': 'application/json', 'content-length': String(body.length) };
      const upload = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers }, (response) => {
        const answeredWhileSending = !sent;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, answeredWhileSending, text: Buffer.concat(chunks).toString('utf8') }));
      });
      // an upload still under way when the server has decided: the rest follows a moment later
      upload.on('error', reject);
      upload.write(body.subarray(0, 64 * 1024));
      setTimeout(() => upload.end(body.subarray(64 * 1024), () => (sent = true)), 300);
    });
    expect(outcome.answeredWhileSending).toBe(false);
    expect(outcome.status).toBe(413);
    expect((JSON.parse(outcome.text) as { error: unknown }).error).toMatchObject({ type: 'OAuthException', code: 100 });
  });

  it("answers the Graph health status for the key's number", async () => {
    const answer = await call('GET', `${gateway}/health_status`, { headers: partnerKey(channel.apiKey) });
    expect(answer.status).toBe(200);
    expect(answer.body.health_status).toMatchObject({
      can_send_message: 'AVAILABLE',
      entities: expect.arrayContaining([{ entity_type: 'PHONE_NUMBER', id: channel.phoneNumberId, can_send_message: 'AVAILABLE' }]),
    });
    expect((await call('GET', `${gateway}/health_status`)).status).toBe(401);
  });

  it('logs no request line for a successful send on any send route, and one line without secrets for a refused one', async () => {
    const text = 'a message text for the log check';
    const cloudText = { messaging_product: 'whatsapp', to: RECIPIENT, type: 'text', text: { body: text } };
    const requestLines = () =>
      stack
        .service('gateway')
        .logs()
        .split('\n')
        .filter((line) => line.includes('"req":'));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
    await settle();
    const before = requestLines().length;
    // LOG_LEVEL is debug here: before, each of these logged a `request completed` line
    for (const path of ['/messages', `/${channel.phoneNumberId}/messages`, `/v21.0/${channel.phoneNumberId}/messages`]) {
      expect((await call('POST', `${gateway}${path}`, { headers: partnerKey(channel.apiKey), body: cloudText })).status).toBe(200);
    }
    for (const path of ['/v1/messages', '/onprem/v1/messages']) {
      expect(
        (await call('POST', `${gateway}${path}`, { headers: partnerKey(channel.apiKey), body: { to: RECIPIENT, type: 'text', text: { body: text } } })).status,
      ).toBe(200);
    }
    await settle();
    expect(requestLines().slice(before)).toEqual([]);

    const unknownKey = 'A'.repeat(43);
    expect((await call('POST', `${gateway}/messages`, { headers: partnerKey(unknownKey), body: cloudText })).status).toBe(401);
    expect((await call('POST', `${gateway}/v21.0/${channel.phoneNumberId}/messages`, { headers: partnerKey(channel.apiKey), body: [text] })).status).toBe(400);
    await settle();
    const logged = requestLines().slice(before);
    expect(logged.map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({ level: 'warn', req: { method: 'POST', path: '/messages' }, res: { status: 401 }, msg: 'request completed' }),
      expect.objectContaining({ level: 'warn', req: { method: 'POST', path: '/v21.0/:id/messages' }, res: { status: 400 }, msg: 'request completed' }),
    ]);
    for (const secret of [unknownKey, channel.apiKey, channel.phoneNumberId, RECIPIENT, text]) expect(logged.join('\n')).not.toContain(secret);
    // the same fields as a refusal on a route pino-http still logs
    expect((await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(unknownKey) })).status).toBe(401);
    await settle();
    const cold = JSON.parse(requestLines().at(-1)!) as Record<string, unknown>;
    expect(cold).toMatchObject({ req: { path: '/v1/configs/webhook' }, res: { status: 401 } });
    expect(Object.keys(JSON.parse(logged[0]) as object)).toEqual(Object.keys(cold));
  });

  it('published exactly one outbound event per accepted message and none for anything else', async () => {
    const received = await simReceived();
    const accepted = received.filter(({ body }) => body.status !== 'read' && body.to !== '0000' && body.messaging_product === 'whatsapp');
    const events = await outbound.waitForValues(accepted.length, (value: OutboundEvent) => value.channel_id === channel.channelId, 'all outbound events');
    expect(events).toHaveLength(accepted.length);
    expect(new Set(events.map(({ value }) => value.wamid)).size).toBe(accepted.length);
  });
});
