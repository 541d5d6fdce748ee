import { randomBytes } from 'node:crypto';
import { PartnerServer, provisionChannel, TestStack, type ProvisionedChannel } from '@wabridge/testing';
import { call } from '../support/http';
import { forwardedSends, getBytes } from './compat-kit';

/**
 * Typebot's 360dialog provider (packages/whatsapp: sendWhatsAppMessage, getOrUploadMedia,
 * downloadMedia; api/handleProductionWebhookRequest) with `dialog360BaseUrl` = the gateway.
 */
describe('compatibility: Typebot 360dialog provider', () => {
  let stack: TestStack;
  let gateway: string;
  let channel: ProvisionedChannel;
  const key = () => ({ 'D360-API-KEY': channel.apiKey });

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'ingress', 'router', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    gateway = stack.url('gateway');
    channel = await provisionChannel(gateway, stack.adminToken);
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('the x-typebot-webhook-secret header set in the binding reaches Typebot with every event', async () => {
    const typebot = await PartnerServer.start();
    try {
      const webhookUrl = `${typebot.url}/api/v1/workspaces/ws1/whatsapp/cred1/webhook`;
      const bound = await call('POST', `${gateway}/v1/configs/webhook`, {
        headers: key(),
        body: { url: webhookUrl, headers: { 'x-typebot-webhook-secret': 'typebot-s3cret' } },
      });
      expect(bound.status).toBe(200);
      const inbound = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
        body: { phone_number_id: channel.phoneNumberId, waba_id: channel.wabaId, from: '4915123456789', text: 'start' },
      });
      const [delivered] = await typebot.waitForRequests(1, 20000, (request) => request.body.toString().includes(inbound.body.wamid));
      expect(delivered.path).toBe('/api/v1/workspaces/ws1/whatsapp/cred1/webhook');
      expect(delivered.headers['x-typebot-webhook-secret']).toBe('typebot-s3cret');
      expect(delivered.headers['content-type']).toContain('application/json');
      // Typebot's zod schema: entry[].changes[].value with messages and metadata
      const body = JSON.parse(delivered.body.toString()) as {
        entry: { changes: { value: { messages: { from: string; type: string; text: { body: string } }[]; metadata: { phone_number_id: string } } }[] }[];
      };
      expect(body.entry[0].changes[0].value).toMatchObject({
        messages: [{ from: '4915123456789', type: 'text', text: { body: 'start' } }],
        metadata: { phone_number_id: channel.phoneNumberId },
      });
    } finally {
      await typebot.close();
    }
  });

  it('sendWhatsAppMessage: POST /messages with {messaging_product, to, ...message}', async () => {
    const answer = await call('POST', `${gateway}/messages`, {
      headers: { ...key(), 'content-type': 'application/json' },
      body: '{"messaging_product":"whatsapp","to":"4915123456789","type":"text","text":{"body":"Welcome to the bot","preview_url":false}}',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.messages[0].id).toMatch(/^wamid\./);
    expect((await forwardedSends(stack, channel.phoneNumberId)).at(-1)!.body).toMatchObject({ to: '4915123456789', text: { body: 'Welcome to the bot' } });
  });

  it.each([
    ['the media kind as type (current Typebot)', 'image', 'media.png'],
    ['the MIME type as type (older Typebot)', 'image/png', undefined],
  ])('getOrUploadMedia: POST /media multipart with %s, then downloadMedia: GET /{id} and base + pathname + search', async (_what, type, filename) => {
    const bytes = randomBytes(12000);
    const form = new FormData();
    if (filename) form.append('file', new Blob([bytes], { type: 'image/png' }), filename);
    else form.append('file', new Blob([bytes], { type: 'image/png' }));
    form.append('type', type);
    form.append('messaging_product', 'whatsapp');
    const uploaded = await fetch(`${gateway}/media`, { method: 'POST', headers: key(), body: form });
    expect(uploaded.status).toBe(200);
    const { id } = (await uploaded.json()) as { id: string };

    const metadata = await call<{ url: string; mime_type: string }>('GET', `${gateway}/${id}`, { headers: key() });
    expect(metadata.status).toBe(200);
    expect(metadata.body.mime_type).toBe('image/png');
    const url = new URL(metadata.body.url);
    const downloaded = await getBytes(`${gateway}${url.pathname}${url.search}`, key());
    expect(downloaded.status).toBe(200);
    expect(downloaded.bytes.equals(bytes)).toBe(true);

    // the id is what Typebot then sends: {type: 'image', image: {id}}
    const send = await call('POST', `${gateway}/messages`, {
      headers: key(),
      body: { messaging_product: 'whatsapp', to: '4915123456789', type: 'image', image: { id } },
    });
    expect(send.status).toBe(200);
  });
});
