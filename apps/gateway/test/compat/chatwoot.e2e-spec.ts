import { randomBytes } from 'node:crypto';
import { PartnerServer, provisionChannel, TestStack, type ProvisionedChannel } from '@wabridge/testing';
import { call } from '../support/http';
import { createTemplate, forwardedSends, getBytes, inboundMedia } from './compat-kit';

/**
 * Chatwoot's 360dialog inbox (app/services/whatsapp/providers/whatsapp_360_dialog_service.rb), base URL
 * `360DIALOG_BASE_URL` = `{gateway}/v1`. Bodies are the exact bytes Ruby's `Hash#to_json` produces for
 * its calls; headers are its `api_headers`.
 */
describe('compatibility: Chatwoot 360dialog provider (on-premise semantics, base /v1)', () => {
  let stack: TestStack;
  let channel: ProvisionedChannel;
  let chatwoot: PartnerServer;
  let base: string;
  const apiHeaders = () => ({ 'D360-API-KEY': channel.apiKey, 'Content-Type': 'application/json' });

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    [channel, chatwoot] = await Promise.all([provisionChannel(stack.url('gateway'), stack.adminToken), PartnerServer.start()]);
    base = `${stack.url('gateway')}/v1`;
  }, 120000);

  afterAll(async () => {
    await chatwoot?.close();
    await stack?.stop();
  });

  it('validate_provider_config?: POST {base}/configs/webhook succeeds (Chatwoot checks response.success?)', async () => {
    const url = `${chatwoot.url}/webhooks/whatsapp/+${channel.displayPhoneNumber}`;
    const answer = await call('POST', `${base}/configs/webhook`, {
      headers: { 'D360-API-KEY': channel.apiKey, 'Content-Type': 'application/json' },
      body: `{"url":"${url}"}`,
    });
    expect(answer.status).toBeGreaterThanOrEqual(200);
    expect(answer.status).toBeLessThan(300);
    expect(answer.body).toMatchObject({ url, headers: {} });
  });

  it('sync_templates: GET {base}/configs/templates answers waba_templates', async () => {
    await createTemplate(stack, channel.wabaId, 'order_shipped');
    await createTemplate(stack, channel.wabaId, 'order_shipped', 'de');
    const answer = await call('GET', `${base}/configs/templates`, { headers: apiHeaders() });
    expect(answer.status).toBe(200);
    const templates = answer.body.waba_templates as { name: string; language: string; status: string; components: { type: string; text: string }[] }[];
    expect(templates.map((t) => `${t.name}/${t.language}/${t.status}`)).toEqual(['order_shipped/de/approved', 'order_shipped/en_US/approved']);
    expect(templates[0].components[0]).toMatchObject({ type: 'BODY', text: expect.stringContaining('{{1}}') });
  });

  it('send_template: on-premise body with namespace and language.policy; Chatwoot reads messages.first.id', async () => {
    const body =
      '{"to":"4915123456789","template":{"name":"order_shipped","namespace":"c8ae5f90_307a_ca4c_b8f6_d1e2a2573574",' +
      '"language":{"policy":"deterministic","code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"Kerry"},{"type":"text","text":"10023"}]}]},"type":"template"}';
    const answer = await call('POST', `${base}/messages`, { headers: apiHeaders(), body });
    expect(answer.status).toBe(200);
    expect(answer.body.messages[0].id).toMatch(/^wamid\./);
    expect(answer.body.meta).toEqual({ api_status: 'stable', version: 'v21.0' });
    const sent = (await forwardedSends(stack, channel.phoneNumberId)).at(-1)!.body;
    expect(sent).toEqual({
      messaging_product: 'whatsapp',
      to: '4915123456789',
      template: {
        name: 'order_shipped',
        language: { policy: 'deterministic', code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Kerry' },
              { type: 'text', text: '10023' },
            ],
          },
        ],
      },
      type: 'template',
    });
  });

  it('send_text_message and send_attachment_message', async () => {
    const text = await call('POST', `${base}/messages`, {
      headers: apiHeaders(),
      body: '{"to":"4915123456789","text":{"body":"Hello from Chatwoot ✓"},"type":"text"}',
    });
    expect(text.status).toBe(200);
    expect(text.body.messages[0].id).toMatch(/^wamid\./);
    const image = await call('POST', `${base}/messages`, {
      headers: apiHeaders(),
      body: '{"to":"4915123456789","type":"image","image":{"link":"https://chatwoot.example/rails/active_storage/blobs/x/photo.png","caption":"the photo"}}',
    });
    expect(image.status).toBe(200);
    const document = await call('POST', `${base}/messages`, {
      headers: apiHeaders(),
      body: '{"to":"4915123456789","type":"document","document":{"link":"https://chatwoot.example/invoice.pdf","caption":"invoice","filename":"invoice.pdf"}}',
    });
    expect(document.status).toBe(200);
    const sent = (await forwardedSends(stack, channel.phoneNumberId)).slice(-3).map((request) => request.body);
    expect(sent[0]).toEqual({ messaging_product: 'whatsapp', to: '4915123456789', text: { body: 'Hello from Chatwoot ✓' }, type: 'text' });
    expect(sent[2]).toMatchObject({ type: 'document', document: { filename: 'invoice.pdf' } });
  });

  it('process_response: a Meta error comes back with its status and body, for Chatwoot to log', async () => {
    const answer = await call('POST', `${base}/messages`, { headers: apiHeaders(), body: '{"to":"0000","text":{"body":"x"},"type":"text"}' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(131030);
  });

  it('media_url: GET {base}/media/{id} streams the bytes of inbound media', async () => {
    const bytes = randomBytes(20000);
    const mediaId = await inboundMedia(stack, channel.phoneNumberId, bytes, 'audio/ogg');
    const answer = await getBytes(`${base}/media/${mediaId}`, apiHeaders());
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('audio/ogg');
    expect(answer.bytes.equals(bytes)).toBe(true);
  });
});
