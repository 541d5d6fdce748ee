import { provisionChannel, TestStack, type ProvisionedChannel } from '@wabridge/testing';
import { call, partnerKey } from './support/http';

const template = (name: string, language = 'en_US', category = 'UTILITY') => ({
  name,
  category,
  language,
  components: [
    { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.', example: { body_text: [['Kerry', '10023']] } },
    { type: 'FOOTER', text: 'wabridge demo' },
  ],
});

interface WabaTemplate {
  name: string;
  language: string;
  status: string;
  category: string;
  id: string;
  components: unknown[];
}

describe("gateway: message templates of the key's WABA (wa-sim)", () => {
  let stack: TestStack;
  let gateway: string;
  let channel: ProvisionedChannel;
  const key = () => partnerKey(channel.apiKey);

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    gateway = stack.url('gateway');
    channel = await provisionChannel(gateway, stack.adminToken);
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("creates templates through POST /v1/configs/templates and relays Meta's answer", async () => {
    for (const body of [template('order_shipped'), template('order_shipped', 'de'), template('welcome'), template('summer_sale', 'en', 'MARKETING')]) {
      const answer = await call('POST', `${gateway}/v1/configs/templates`, { headers: key(), body });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ id: expect.stringMatching(/^\d+$/), status: 'APPROVED', category: body.category });
    }
    const duplicate = await call('POST', `${gateway}/v1/configs/templates`, { headers: key(), body: template('welcome') });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error).toMatchObject({ code: 100, error_subcode: 2388024, type: 'OAuthException' });
    const invalid = await call('POST', `${gateway}/v1/configs/templates`, { headers: key(), body: { ...template('x'), name: 'Not Valid' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({ code: 100, message: expect.stringContaining('name') });
    const notObject = await call('POST', `${gateway}/v1/configs/templates`, { headers: { ...key(), 'content-type': 'application/json' }, body: '[1]' });
    expect(notObject.status).toBe(400);
    expect(notObject.body).toEqual({ error: { message: expect.any(String), type: 'OAuthException', code: 100, fbtrace_id: expect.any(String) } });
  });

  it("lists them in 360dialog's waba_templates shape with count, total, offset and limit", async () => {
    const answer = await call('GET', `${gateway}/v1/configs/templates`, { headers: key() });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      count: 4,
      filters: {},
      limit: 1000,
      offset: 0,
      sort: ['business_templates.name'],
      total: 4,
      waba_templates: expect.any(Array),
    });
    const templates = answer.body.waba_templates as WabaTemplate[];
    expect(templates.map((t) => `${t.name}/${t.language}`)).toEqual(['order_shipped/de', 'order_shipped/en_US', 'summer_sale/en', 'welcome/en_US']);
    expect(templates[1]).toMatchObject({ status: 'approved', category: 'UTILITY', id: expect.any(String), components: template('x').components });

    const page = await call('GET', `${gateway}/v1/configs/templates?limit=2&offset=1`, { headers: key() });
    expect(page.body).toMatchObject({ count: 2, total: 4, limit: 2, offset: 1 });
    expect((page.body.waba_templates as WabaTemplate[]).map((t) => t.name)).toEqual(['order_shipped', 'summer_sale']);

    const filtered = await call('GET', `${gateway}/v1/configs/templates?filters=${encodeURIComponent('{"name":"order_shipped"}')}`, { headers: key() });
    expect(filtered.body).toMatchObject({ count: 2, total: 2, filters: { name: 'order_shipped' } });

    for (const bad of ['limit=0', 'offset=-3', 'filters=nope', 'sort=created_at']) {
      const refused = await call('GET', `${gateway}/v1/configs/templates?${bad}`, { headers: key() });
      expect({ bad, status: refused.status }).toEqual({ bad, status: 400 });
      expect(refused.body.error).toMatchObject({ code: 100, type: 'OAuthException' });
    }
  });

  it('lists them Graph-style on /message_templates, with paging links back to the gateway', async () => {
    const first = await call('GET', `${gateway}/message_templates?limit=3`, { headers: key() });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(3);
    expect(first.body.data[0]).toMatchObject({ name: 'order_shipped', language: 'en_US', status: 'APPROVED' });
    const next: string = first.body.paging.next;
    expect(next.startsWith(`${gateway}/message_templates?`)).toBe(true);
    expect(first.text).not.toContain(stack.graphToken);
    const second = await call<{ data: WabaTemplate[]; paging: object }>('GET', next, { headers: key() });
    expect(second.status).toBe(200);
    expect(second.body.data.map((t) => t.name)).toEqual(['summer_sale']);
    expect(second.body.paging).not.toHaveProperty('next');

    const approved = await call('GET', `${gateway}/message_templates?status=APPROVED&summary=total_count`, { headers: key() });
    expect(approved.body.summary).toMatchObject({ total_count: 4 });
  });

  it("keeps each WABA's templates to the keys of its channels", async () => {
    const other = await provisionChannel(gateway, stack.adminToken);
    const list = await call('GET', `${gateway}/v1/configs/templates`, { headers: partnerKey(other.apiKey) });
    expect(list.body).toMatchObject({ count: 0, total: 0, waba_templates: [] });
    expect((await call('GET', `${gateway}/message_templates`, { headers: partnerKey(other.apiKey) })).body).toEqual({ data: [] });
  });

  it('deletes every language of a template by name', async () => {
    const deleted = await call('DELETE', `${gateway}/v1/configs/templates/order_shipped`, { headers: key() });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ success: true });
    const after = await call('GET', `${gateway}/v1/configs/templates`, { headers: key() });
    expect((after.body.waba_templates as WabaTemplate[]).map((t) => t.name)).toEqual(['summer_sale', 'welcome']);

    const again = await call('DELETE', `${gateway}/v1/configs/templates/order_shipped`, { headers: key() });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 100 });
    const badName = await call('DELETE', `${gateway}/v1/configs/templates/${encodeURIComponent('Order Shipped')}`, { headers: key() });
    expect(badName.status).toBe(400);
  });

  it('refuses every template path without a valid key', async () => {
    for (const [method, path] of [
      ['GET', '/v1/configs/templates'],
      ['POST', '/v1/configs/templates'],
      ['DELETE', '/v1/configs/templates/welcome'],
      ['GET', '/message_templates'],
    ]) {
      const answer = await call(method, `${gateway}${path}`, { body: method === 'POST' ? template('x') : undefined });
      expect({ method, path, status: answer.status, body: answer.body }).toEqual({
        method,
        path,
        status: 401,
        body: { error: 'Invalid or missing D360-API-KEY' },
      });
    }
  });
});
