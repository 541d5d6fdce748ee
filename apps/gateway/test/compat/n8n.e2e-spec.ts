import { PartnerServer, provisionChannel, TestStack, type ProvisionedChannel, bindingPropagated } from '@wabridge/testing';
import { call } from '../support/http';
import { createTemplate, forwardedSends } from './compat-kit';

/**
 * The n8n community node n8n-nodes-360dialog (credentials/Dialog360Api.credentials.ts,
 * nodes/Dialog360/{GenericFunctions,Dialog360.node,Dialog360Trigger.node}.ts) with its base URL
 * pointed at the gateway. Trigger lifecycle (Dialog360Trigger.node.ts webhookMethods): checkExists =
 * GET /v1/configs/webhook and compare `url`; create = the same GET, remember a different non-empty
 * `url`, POST ours; delete = POST the remembered `url` back. n8n sends `json: true` bodies: compact JSON with `D360-API-KEY`.
 */
describe('compatibility: n8n 360dialog node and trigger', () => {
  let stack: TestStack;
  let gateway: string;
  let channel: ProvisionedChannel;
  const n8nRequest = (method: string, endpoint: string, body?: object) =>
    call(method, `${gateway}${endpoint}`, {
      headers: { 'D360-API-KEY': channel.apiKey, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'ingress', 'router', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    gateway = stack.url('gateway');
    channel = await provisionChannel(gateway, stack.adminToken);
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('credential test: GET /health_status answers 401 for a bad key and 200 for a good one', async () => {
    const bad = await call('GET', `${gateway}/health_status`, { headers: { 'D360-API-KEY': 'not-a-valid-key-at-all-000000000000' } });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: 'Invalid or missing D360-API-KEY' });
    const missing = await call('GET', `${gateway}/health_status`);
    expect(missing.status).toBe(401);
    const good = await n8nRequest('GET', '/health_status');
    expect(good.status).toBe(200);
    expect(good.body.health_status.can_send_message).toBe('AVAILABLE');
    // /health ignores authentication, which is why the node does not use it
    expect((await call('GET', `${gateway}/health`)).status).toBe(200);
  });

  it('trigger on a fresh number: checkExists() reads 200 with an empty url (any non-2xx would fail activation), create() binds, delete() restores the empty url', async () => {
    const fresh = await provisionChannel(gateway, stack.adminToken);
    const request = (method: string, body?: object) =>
      call(method, `${gateway}/v1/configs/webhook`, {
        headers: { 'D360-API-KEY': fresh.apiKey, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    const webhookUrl = 'http://127.0.0.1:9/webhook/0b6e7c1a/webhook';
    // checkExists(): GET, then config.url === webhookUrl
    const before = await request('GET');
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ url: '', headers: {} });
    // create(): GET again, nothing non-empty to remember, then POST {url}
    expect((await request('GET')).body.url).toBe('');
    expect((await request('POST', { url: webhookUrl })).status).toBe(200);
    expect((await request('GET')).body.url).toBe(webhookUrl);
    // delete(): POST back what create() read, the empty url of a number with nothing bound: that state is restored
    const restored = await request('POST', { url: '' });
    expect(restored).toMatchObject({ status: 200, body: { url: '', headers: {} } });
    expect((await request('GET')).body).toEqual({ url: '', headers: {} });
    // a bad key is still refused, with the message the node shows (body.error)
    const bad = await call('GET', `${gateway}/v1/configs/webhook`, { headers: { 'D360-API-KEY': 'not-a-valid-key-at-all-000000000000' } });
    expect(bad).toMatchObject({ status: 401, body: { error: 'Invalid or missing D360-API-KEY' } });
  });

  it('trigger: create() remembers the old URL and binds n8n, delete() restores it; routing follows the last POST', async () => {
    const [previous, n8n] = await Promise.all([PartnerServer.start(), PartnerServer.start()]);
    try {
      const previousUrl = `${previous.url}/inbox`;
      const webhookUrl = `${n8n.url}/webhook/6f0c3f52/webhook`;
      expect((await n8nRequest('POST', '/v1/configs/webhook', { url: previousUrl })).status).toBe(200);

      // create(): GET the current webhook, keep its url, POST ours
      const current = await n8nRequest('GET', '/v1/configs/webhook');
      expect(current.status).toBe(200);
      const staticData = { previousWebhookUrl: current.body.url as string };
      expect(staticData.previousWebhookUrl).toBe(previousUrl);
      expect((await n8nRequest('POST', '/v1/configs/webhook', { url: webhookUrl })).status).toBe(200);
      // checkExists(): config.url === webhookUrl
      expect((await n8nRequest('GET', '/v1/configs/webhook')).body.url).toBe(webhookUrl);

      const whileActive = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
        body: { phone_number_id: channel.phoneNumberId, waba_id: channel.wabaId, from: '4915123456789', text: 'to n8n' },
      });
      const [atN8n] = await n8n.waitForRequests(1, 20000, (request) => request.body.toString().includes(whileActive.body.wamid));
      // what the trigger reads: entry[].changes[].value.{messages,metadata,contacts}
      const value = (JSON.parse(atN8n.body.toString()) as { entry: { changes: { value: Record<string, unknown> }[] }[] }).entry[0].changes[0].value;
      expect(value).toMatchObject({
        messages: [{ id: whileActive.body.wamid, text: { body: 'to n8n' } }],
        metadata: { phone_number_id: channel.phoneNumberId },
      });

      // delete(): POST the remembered URL back
      expect((await n8nRequest('POST', '/v1/configs/webhook', { url: staticData.previousWebhookUrl })).status).toBe(200);
      await bindingPropagated();
      const afterRestore = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
        body: { phone_number_id: channel.phoneNumberId, waba_id: channel.wabaId, from: '4915123456789', text: 'back to the inbox' },
      });
      await previous.waitForRequests(1, 20000, (request) => request.body.toString().includes(afterRestore.body.wamid));
      expect(n8n.received.filter((request) => request.body.toString().includes(afterRestore.body.wamid))).toEqual([]);
      expect(previous.received.filter((request) => request.body.toString().includes(whileActive.body.wamid))).toEqual([]);
    } finally {
      await Promise.all([previous.close(), n8n.close()]);
    }
  });

  it('sendText: POST /messages; simplifySendResponse reads messages[0].id and contacts[0].wa_id', async () => {
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '4915123456789',
      type: 'text',
      text: { body: 'Hi from n8n', preview_url: false },
    };
    const answer = await n8nRequest('POST', '/messages', body);
    expect(answer.status).toBe(200);
    expect(answer.body.messages[0].id).toMatch(/^wamid\./);
    expect(answer.body.contacts[0].wa_id).toBe('4915123456789');
    expect((await forwardedSends(stack, channel.phoneNumberId)).at(-1)!.body).toEqual(body);
  });

  it('fetchApprovedTemplates(): follows paging.cursors.after on /message_templates while paging.next is set', async () => {
    for (let i = 0; i < 30; i += 1) await createTemplate(stack, channel.wabaId, `campaign_${String(i).padStart(2, '0')}`);
    const all: { name: string; status: string }[] = [];
    let after: string | undefined;
    let pages = 0;
    for (let page = 0; page < 20; page += 1) {
      const endpoint = after ? `/message_templates?after=${encodeURIComponent(after)}` : '/message_templates';
      const response = await n8nRequest('GET', endpoint);
      expect(response.status).toBe(200);
      pages += 1;
      all.push(...(response.body.data as { name: string; status: string }[]));
      after = response.body.paging?.next ? (response.body.paging.cursors.after as string) : undefined;
      if (!after) break;
    }
    expect(pages).toBe(2);
    const approved = all.filter((t) => String(t.status).toUpperCase() === 'APPROVED');
    expect(approved.map((t) => t.name)).toEqual(Array.from({ length: 30 }, (_, i) => `campaign_${String(i).padStart(2, '0')}`));
  });
});
