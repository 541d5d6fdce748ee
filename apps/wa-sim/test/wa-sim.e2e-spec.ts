import { WebhookHeaders, type MetaStatus, type MetaWebhookEnvelope } from '@wabridge/contracts';
import { metaFixtureFor, FIXTURE_IDS, TestStack, TopicCollector, waitFor } from '@wabridge/testing';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test reads arbitrary JSON answers
async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('wa-sim: a stand-in for Meta, signing webhooks that ingress accepts', () => {
  let stack: TestStack;
  let webhooks: TopicCollector;
  const phoneNumberId = `1${Date.now()}`;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['ingress', 'wa-sim'], env: { 'wa-sim': { WA_SIM_WABA_ID: 'waba-e2e' } } });
    webhooks = await TopicCollector.start(stack.topics.webhooks);
  }, 90000);

  afterAll(async () => {
    await webhooks?.stop();
    await stack?.stop();
  });

  const envelopes = () => webhooks.records.map((record) => ({ record, value: JSON.parse(record.value!.toString('utf8')) as MetaWebhookEnvelope }));

  it('sends a signed inbound text webhook that ingress accepts', async () => {
    const answer = await post(`${stack.url('wa-sim')}/sim/inbound`, {
      phone_number_id: phoneNumberId,
      display_phone_number: '4930609859535',
      from: '4915123456789',
      text: 'Where is my order?',
      name: 'Kerry',
    });
    expect(answer).toEqual({ status: 200, body: { wamid: expect.stringMatching(/^wamid\./), ingress_status: 200 } });
    const found = await waitFor(
      () => envelopes().find(({ value }) => (value.entry[0].changes[0].value.messages as { id: string }[] | undefined)?.[0]?.id === answer.body.wamid),
      { what: 'the inbound webhook on Kafka' },
    );
    expect(found.record.key).toBe(phoneNumberId);
    expect(found.record.headers[WebhookHeaders.wabaId]).toBe('waba-e2e');
    expect(found.value.entry[0].changes[0].value).toMatchObject({
      metadata: { phone_number_id: phoneNumberId, display_phone_number: '4930609859535' },
      contacts: [{ profile: { name: 'Kerry' }, wa_id: '4915123456789' }],
      messages: [{ from: '4915123456789', type: 'text', text: { body: 'Where is my order?' } }],
    });
  });

  it('plays sent, delivered and read for an accepted template send, priced, in order', async () => {
    const send = await post(
      `${stack.url('wa-sim')}/v21.0/${phoneNumberId}/messages`,
      { messaging_product: 'whatsapp', to: '4915123456789', type: 'template', template: { name: 'summer_sale', language: { code: 'en' } } },
      { authorization: `Bearer ${stack.graphToken}` },
    );
    expect(send.status).toBe(200);
    const wamid = send.body.messages[0].id;
    const statuses = await waitFor(
      () => {
        const found = envelopes()
          .map(({ value }) => value.entry[0].changes[0].value.statuses?.[0])
          .filter((status): status is MetaStatus => status?.id === wamid);
        return found.length >= 3 ? found : undefined;
      },
      { what: 'three statuses' },
    );
    expect(statuses.map((status) => status.status)).toEqual(['sent', 'delivered', 'read']);
    for (const status of statuses) {
      expect(status.pricing).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' });
      expect(status.recipient_id).toBe('4915123456789');
    }
  });

  it('refuses a send without the expected Graph token', async () => {
    const answer = await post(
      `${stack.url('wa-sim')}/v21.0/${phoneNumberId}/messages`,
      { messaging_product: 'whatsapp', to: '1' },
      { authorization: 'Bearer wrong' },
    );
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({ code: 190, type: 'OAuthException' });
  });

  it('signs and forwards a given body byte for byte', async () => {
    const number = `2${Date.now()}`;
    const body = metaFixtureFor('status-failed.json', { [FIXTURE_IDS.phoneNumberId]: number });
    const answer = await post(`${stack.url('wa-sim')}/sim/webhook`, body);
    expect(answer).toEqual({ status: 200, body: { ingress_status: 200 } });
    const found = await waitFor(() => webhooks.records.find((record) => record.key === number), { what: 'the forwarded webhook' });
    expect(found.value!.equals(body)).toBe(true);
  });
});
