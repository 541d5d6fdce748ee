import { randomBytes, randomUUID } from 'node:crypto';
import { PartnerServer, provisionChannel, TestStack, type ProvisionedChannel } from '@wabridge/testing';
import { bearer, call } from '../support/http';
import { createTemplate, forwardedSends, getBytes, inboundMedia } from './compat-kit';

const LOOKASIDE = 'https://lookaside.fbsbx.com';

/**
 * RapidPro's D3C channel type (temba/channels/types/dialog360_cloud) and courier's D3C handler
 * (handlers/dialog360/handler.go) with `base_url` = the gateway. Send bodies are courier's own test
 * expectations (handler_test.go), byte for byte; the activation body is what Python's requests
 * sends for `json={"url": ...}`.
 */
describe('compatibility: RapidPro / courier D3C (360dialog Cloud)', () => {
  let stack: TestStack;
  let channel: ProvisionedChannel;
  let courier: PartnerServer;
  let baseUrl: string;
  const headers = () => ({ 'D360-API-KEY': channel.apiKey, 'Content-Type': 'application/json' });

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'ingress', 'router', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    [channel, courier] = await Promise.all([provisionChannel(stack.url('gateway'), stack.adminToken), PartnerServer.start()]);
    baseUrl = stack.url('gateway');
  }, 120000);

  afterAll(async () => {
    await courier?.close();
    await stack?.stop();
  });

  it('activate(): POST {base_url}/v1/configs/webhook answers exactly 200, and courier then receives Cloud envelopes', async () => {
    const receiveUrl = `${courier.url}/c/d3c/${randomUUID()}/receive`;
    const answer = await call('POST', `${baseUrl}/v1/configs/webhook`, { headers: headers(), body: `{"url": "${receiveUrl}"}` });
    expect(answer.status).toBe(200);

    const inbound = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
      body: { phone_number_id: channel.phoneNumberId, waba_id: channel.wabaId, from: '250788123123', text: 'Join', name: 'Chef' },
    });
    const [delivered] = await courier.waitForRequests(1, 20000, (request) => request.body.toString().includes(inbound.body.wamid));
    expect(delivered.path).toBe(new URL(receiveUrl).pathname);
    // what receiveEvent reads: object, entry[].changes[].value.{contacts,messages}
    const payload = JSON.parse(delivered.body.toString()) as {
      object: string;
      entry: {
        changes: {
          value: {
            contacts: { wa_id: string; profile: { name: string } }[];
            messages: { from: string; id: string; timestamp: string; type: string; text: { body: string } }[];
          };
        }[];
      }[];
    };
    expect(payload.object).toBe('whatsapp_business_account');
    const value = payload.entry[0].changes[0].value;
    expect(value.contacts[0]).toMatchObject({ wa_id: '250788123123', profile: { name: 'Chef' } });
    expect(value.messages[0]).toMatchObject({
      from: '250788123123',
      id: inbound.body.wamid,
      type: 'text',
      text: { body: 'Join' },
      timestamp: expect.stringMatching(/^\d+$/),
    });
  });

  it('get_api_templates(): GET {base_url}/v1/configs/templates, statuses RapidPro maps after .upper()', async () => {
    await createTemplate(stack, channel.wabaId, 'revive_issue', 'en', 'Hi {{1}}, are you still experiencing problems with {{2}}?');
    const answer = await call('GET', `${baseUrl}/v1/configs/templates`, { headers: headers() });
    expect(answer.status).toBe(200);
    const [template] = answer.body.waba_templates as {
      name: string;
      language: string;
      status: string;
      id: string;
      components: { type: string; text: string }[];
    }[];
    expect(['PENDING', 'APPROVED', 'REJECTED']).toContain(template.status.toUpperCase());
    expect(template).toMatchObject({ name: 'revive_issue', language: 'en', id: expect.any(String) });
    expect(template.components.filter((c) => ['HEADER', 'BODY', 'FOOTER'].includes(c.type) && 'text' in c)).toHaveLength(1);
  });

  it.each([
    [
      'Plain Send',
      '{"messaging_product":"whatsapp","recipient_type":"individual","to":"250788123123","type":"text","text":{"body":"Simple Message","preview_url":false}}',
    ],
    [
      'Unicode Send',
      '{"messaging_product":"whatsapp","recipient_type":"individual","to":"250788123123","type":"text","text":{"body":"☺","preview_url":false}}',
    ],
    [
      'Template Send',
      '{"messaging_product":"whatsapp","recipient_type":"individual","to":"250788123123","type":"template","template":{"name":"revive_issue","language":{"policy":"deterministic","code":"en"},"components":[{"type":"body","sub_type":"","index":"","parameters":[{"type":"text","text":"Chef"},{"type":"text","text":"tomorrow"}]}]}}',
    ],
    [
      'Interactive Button Message Send',
      '{"messaging_product":"whatsapp","recipient_type":"individual","to":"250788123123","type":"interactive","interactive":{"type":"button","body":{"text":"Interactive Button Msg"},"action":{"buttons":[{"type":"reply","reply":{"id":"0","title":"BUTTON1"}}]}}}',
    ],
    [
      'Document Send',
      '{"messaging_product":"whatsapp","recipient_type":"individual","to":"250788123123","type":"document","document":{"link":"https://foo.bar/document.pdf","caption":"document caption","filename":"document.pdf"}}',
    ],
  ])('Send (%s): POST {base_url}/messages forwarded byte for byte; courier reads messages.0.id', async (_label, body) => {
    const answer = await call('POST', `${baseUrl}/messages`, { headers: headers(), body });
    expect(answer.status).toBe(200);
    expect(answer.body.messages[0].id).toMatch(/^wamid\./);
    const forwarded = (await forwardedSends(stack, channel.phoneNumberId)).at(-1)!;
    // compact JSON re-serialises to the same bytes, key order included
    expect(JSON.stringify(forwarded.body)).toBe(body);
  });

  it('resolveMediaURL(): GET {base_url}/{id}, replace the lookaside host with base_url, download with the key', async () => {
    const bytes = randomBytes(30000);
    const mediaId = await inboundMedia(stack, channel.phoneNumberId, bytes, 'image/jpeg');
    // url.ResolveReference(mediaID) against the base URL
    const metadata = await call('GET', new URL(mediaId, `${baseUrl}/`).toString(), { headers: { 'D360-API-KEY': channel.apiKey } });
    expect(metadata.status).toBe(200);
    const fileURL = (metadata.body.url as string).replaceAll(LOOKASIDE, baseUrl);
    const downloaded = await getBytes(fileURL, { 'D360-API-KEY': channel.apiKey });
    expect(downloaded.status).toBe(200);
    expect(downloaded.bytes.equals(bytes)).toBe(true);

    // the same rewrite on the URL Meta itself hands out lands on the gateway too
    const fromMeta = await call<{ url: string }>('GET', `${stack.url('wa-sim')}/v21.0/${mediaId}`, { headers: bearer(stack.graphToken) });
    const viaMetaUrl = await getBytes(fromMeta.body.url.replaceAll(LOOKASIDE, baseUrl), { 'D360-API-KEY': channel.apiKey });
    expect(viaMetaUrl.bytes.equals(bytes)).toBe(true);
  });
});
