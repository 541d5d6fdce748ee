import { randomBytes } from 'node:crypto';
import {
  FIXTURE_IDS,
  metaFixtureFor,
  PartnerServer,
  provisionChannel,
  TestStack,
  type ProvisionedChannel,
  type ReceivedRequest,
  bindingPropagated,
} from '@wabridge/testing';
import { call } from '../support/http';
import { createTemplate, forwardedSends, getBytes, inboundMedia, registerNumber } from './compat-kit';

type Flat = { contacts?: Record<string, unknown>[]; messages?: Record<string, unknown>[]; statuses?: Record<string, unknown>[] };

/**
 * What Chatwoot does with a webhook on `/webhooks/whatsapp/{phone_number}`
 * (app/jobs/webhooks/whatsapp_events_job.rb + app/services/whatsapp/incoming_message_service.rb):
 * a Cloud envelope (`object: whatsapp_business_account`) is matched by `phone_number_id`, which a
 * 360dialog channel does not have, and dropped as an inactive channel; a flat body is processed,
 * first contact, message and status only.
 */
function chatwootParses(
  request: ReceivedRequest,
): { dropped: true } | { dropped: false; contact?: Record<string, unknown>; message?: Record<string, unknown>; status?: Record<string, unknown> } {
  const params = JSON.parse(request.body.toString()) as Flat & { object?: string };
  if (params.object === 'whatsapp_business_account') return { dropped: true };
  return { dropped: false, contact: params.contacts?.[0], message: params.messages?.[0], status: params.statuses?.[0] };
}

/**
 * Chatwoot's 360dialog inbox (app/services/whatsapp/providers/whatsapp_360_dialog_service.rb) configured
 * with `360DIALOG_BASE_URL=<gateway>/onprem/v1` and nothing else: it binds `{url}` and never asks for a
 * body format, yet receives the flat on-premise body its job parses. Bodies are the bytes Ruby's
 * `Hash#to_json` writes; headers its `api_headers`.
 */
describe('compatibility: Chatwoot 360dialog inbox through the /onprem base path', () => {
  let stack: TestStack;
  let channel: ProvisionedChannel;
  let chatwoot: PartnerServer;
  let base: string;
  let webhookUrl: string;
  const apiHeaders = () => ({ 'D360-API-KEY': channel.apiKey, 'Content-Type': 'application/json' });
  const sim = (path: string, body: unknown) => call('POST', `${stack.url('wa-sim')}${path}`, { body, headers: { 'content-type': 'application/json' } });
  const atChatwoot = async (text: string, count = 1) =>
    (await chatwoot.waitForRequests(count, 20000, (request) => request.body.toString().includes(text))).filter((request) =>
      request.body.toString().includes(text),
    );
  const setWebhook = async (url: string) => {
    const answer = await call('POST', `${base}/configs/webhook`, { headers: apiHeaders(), body: `{"url":"${url}"}` });
    expect(answer.status).toBe(200);
    await bindingPropagated();
    return answer;
  };

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'ingress', 'router', 'wa-sim'] });
    [channel, chatwoot] = await Promise.all([provisionChannel(stack.url('gateway'), stack.adminToken), PartnerServer.start()]);
    base = `${stack.url('gateway')}/onprem/v1`;
    webhookUrl = `${chatwoot.url}/webhooks/whatsapp/+${channel.displayPhoneNumber}`;
    await registerNumber(stack, channel);
  }, 120000);

  afterAll(async () => {
    await chatwoot?.close();
    await stack?.stop();
  });

  it('validate_provider_config?: POST {base}/configs/webhook {url} answers 2xx and reads back', async () => {
    const bound = await setWebhook(webhookUrl);
    expect(bound.body).toMatchObject({ url: webhookUrl, headers: {} });
    expect((await call('GET', `${base}/configs/webhook`, { headers: apiHeaders() })).body).toEqual({ url: webhookUrl, headers: {} });
  });

  it('sync_templates: GET {base}/configs/templates; each entry carries the namespace Chatwoot puts into template sends', async () => {
    await createTemplate(stack, channel.wabaId, 'order_shipped');
    const answer = await call('GET', `${base}/configs/templates`, { headers: apiHeaders() });
    expect(answer.status).toBe(200);
    const [template] = answer.body.waba_templates as { name: string; namespace: string; external_id: string; status: string; language: string }[];
    expect(template).toMatchObject({
      name: 'order_shipped',
      status: 'approved',
      language: 'en_US',
      namespace: expect.stringMatching(/^[0-9a-f]{8}_[0-9a-f]{4}_/),
      external_id: expect.stringMatching(/^\d+$/),
    });
    // send_template_message: the synced namespace goes along, and is dropped on the way to Cloud
    const sent = await call('POST', `${base}/messages`, {
      headers: apiHeaders(),
      body: `{"to":"4915123456789","template":{"name":"order_shipped","namespace":"${template.namespace}","language":{"policy":"deterministic","code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"Kerry"},{"type":"text","text":"10023"}]}]},"type":"template"}`,
    });
    expect(sent.status).toBe(200);
    expect(sent.body.messages[0].id).toMatch(/^wamid\./);
  });

  it('incoming text: the flat body reaches Chatwoot, which reads contacts[0] and messages[0]', async () => {
    const sent = await sim('/sim/inbound', {
      phone_number_id: channel.phoneNumberId,
      waba_id: channel.wabaId,
      from: '4915123456789',
      text: 'Hallo, wo ist meine Bestellung? 📦',
      name: 'Zoë',
    });
    const [request] = await atChatwoot(sent.body.wamid as string);
    expect(request.path).toBe(`/webhooks/whatsapp/+${channel.displayPhoneNumber}`);
    expect(chatwootParses(request)).toEqual({
      dropped: false,
      contact: { profile: { name: 'Zoë' }, wa_id: '4915123456789' },
      message: expect.objectContaining({ id: sent.body.wamid, from: '4915123456789', type: 'text', text: { body: 'Hallo, wo ist meine Bestellung? 📦' } }),
      status: undefined,
    });
  });

  it('incoming image: flat messages[0].image.id, then attach_files downloads it from {base}/media/{id}', async () => {
    const bytes = randomBytes(12000);
    const mediaId = await inboundMedia(stack, channel.phoneNumberId, bytes, 'image/jpeg');
    const wamid = `wamid.image${randomBytes(6).toString('hex')}`;
    const webhook = JSON.parse(
      metaFixtureFor('inbound-text.json', {
        [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
        [FIXTURE_IDS.wabaId]: channel.wabaId,
        [FIXTURE_IDS.inboundWamid]: wamid,
      }).toString(),
    ) as {
      entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[];
    };
    webhook.entry[0].changes[0].value.messages[0] = {
      from: '4915123456789',
      id: wamid,
      timestamp: '1718000300',
      type: 'image',
      image: { mime_type: 'image/jpeg', sha256: 'x', id: mediaId, caption: 'the parcel' },
    };
    expect((await sim('/sim/webhook', webhook)).body.ingress_status).toBe(200);
    const parsed = chatwootParses((await atChatwoot(wamid))[0]);
    expect(parsed).toMatchObject({ dropped: false, message: { type: 'image', image: { id: mediaId, caption: 'the parcel' } } });
    const download = await getBytes(`${base}/media/${mediaId}`, apiHeaders());
    expect(download.status).toBe(200);
    expect(download.bytes.equals(bytes)).toBe(true);
  });

  it('send_message: text, template and attachment through {base}/messages; the statuses that follow arrive flat', async () => {
    const text = await call('POST', `${base}/messages`, {
      headers: apiHeaders(),
      body: '{"to":"4915123456789","text":{"body":"Ihre Bestellung ist unterwegs ✓"},"type":"text"}',
    });
    expect(text.status).toBe(200);
    const wamid = text.body.messages[0].id as string;
    const statuses = (await atChatwoot(wamid, 3)).map(chatwootParses);
    expect(statuses.map((parsed) => (parsed.dropped ? 'dropped' : parsed.status?.status))).toEqual(['sent', 'delivered', 'read']);
    const template = await call('POST', `${base}/messages`, {
      headers: apiHeaders(),
      body: '{"to":"4915123456789","template":{"name":"order_shipped","namespace":"c8ae5f90_307a_ca4c_b8f6_d1e2a2573574","language":{"policy":"deterministic","code":"en_US"},"components":[]},"type":"template"}',
    });
    expect(template.status).toBe(200);
    const image = await call('POST', `${base}/messages`, {
      headers: apiHeaders(),
      body: '{"to":"4915123456789","type":"image","image":{"link":"https://chatwoot.example/photo.png","caption":"photo"}}',
    });
    expect(image.status).toBe(200);
    const sent = (await forwardedSends(stack, channel.phoneNumberId)).slice(-2).map((request) => request.body);
    expect(sent[0]).toMatchObject({ messaging_product: 'whatsapp', template: { name: 'order_shipped', language: { policy: 'deterministic', code: 'en_US' } } });
    expect(sent[0].template).not.toHaveProperty('namespace');
    expect(sent[1]).toMatchObject({ messaging_product: 'whatsapp', type: 'image' });
  });

  it('a failed status arrives flat with its errors, for Chatwoot to mark the message failed', async () => {
    const wamid = `wamid.failed${randomBytes(6).toString('hex')}`;
    const body = metaFixtureFor('status-failed.json', {
      [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
      [FIXTURE_IDS.wabaId]: channel.wabaId,
      'wamid.HBgNNDkxNTEyMzQ1Njc4ORUCABEYEjk5QTE3NkQ1QjA4RTI3OUY1QwA=': wamid,
    });
    expect((await sim('/sim/webhook', JSON.parse(body.toString()))).body.ingress_status).toBe(200);
    expect(chatwootParses((await atChatwoot(wamid))[0])).toMatchObject({ dropped: false, status: { id: wamid, status: 'failed', errors: [{ code: 131047 }] } });
  });

  it('a re-save keeps the flat shape; a later Cloud binding gets Cloud envelopes, an explicit flag wins', async () => {
    await setWebhook(webhookUrl);
    const again = await sim('/sim/inbound', {
      phone_number_id: channel.phoneNumberId,
      waba_id: channel.wabaId,
      from: '4915123456789',
      text: 'after the re-save',
    });
    expect(chatwootParses((await atChatwoot(again.body.wamid as string))[0]).dropped).toBe(false);

    const cloud = await call('POST', `${stack.url('gateway')}/v1/configs/webhook`, { headers: apiHeaders(), body: `{"url":"${webhookUrl}"}` });
    expect(cloud.status).toBe(200);
    await bindingPropagated();
    const viaCloud = await sim('/sim/inbound', { phone_number_id: channel.phoneNumberId, waba_id: channel.wabaId, from: '4915123456789', text: 'cloud again' });
    expect(chatwootParses((await atChatwoot(viaCloud.body.wamid as string))[0])).toEqual({ dropped: true });

    const explicit = await call('POST', `${base}/configs/webhook`, {
      headers: apiHeaders(),
      body: JSON.stringify({ url: webhookUrl, on_premise_format: false }),
    });
    expect(explicit.status).toBe(200);
    await bindingPropagated();
    const viaExplicit = await sim('/sim/inbound', {
      phone_number_id: channel.phoneNumberId,
      waba_id: channel.wabaId,
      from: '4915123456789',
      text: 'explicit cloud',
    });
    expect(chatwootParses((await atChatwoot(viaExplicit.body.wamid as string))[0])).toEqual({ dropped: true });
  });

  it('answers bad input under /onprem in the same shapes as without it', async () => {
    const noKey = await call('POST', `${base}/configs/webhook`, { body: { url: webhookUrl } });
    expect(noKey).toMatchObject({ status: 401, body: { error: 'Invalid or missing D360-API-KEY' } });
    const badUrl = await call('POST', `${base}/configs/webhook`, { headers: apiHeaders(), body: '{"url":"ftp://x"}' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error).toEqual(expect.any(String));
    const badSend = await call('POST', `${base}/messages`, { headers: apiHeaders(), body: '[1]' });
    expect(badSend.status).toBe(400);
    expect(badSend.body.error).toMatchObject({ code: 100 });
    expect((await call('GET', `${stack.url('gateway')}/onprem/nowhere`, { headers: apiHeaders() })).status).toBe(404);
  });

  it('/multi_webhook under /onprem: an extra destination defaults to the flat body too; an explicit flag and the Cloud path keep envelopes', async () => {
    const gateway = stack.url('gateway');
    const made = await call('POST', `${gateway}/onprem/multi_webhook`, {
      headers: apiHeaders(),
      body: JSON.stringify({
        enabled: true,
        destinations: [
          { name: 'flat', url: `${chatwoot.url}/extra/flat` },
          { name: 'explicit', url: `${chatwoot.url}/extra/explicit`, on_premise_format: false },
        ],
      }),
    });
    expect(made.status).toBe(200);
    const appended = await call('PUT', `${gateway}/multi_webhook`, {
      headers: apiHeaders(),
      body: JSON.stringify({ destinations: [{ name: 'cloud', url: `${chatwoot.url}/extra/cloud` }] }),
    });
    expect(appended.status).toBe(200);
    await bindingPropagated();
    const inbound = await sim('/sim/inbound', {
      phone_number_id: channel.phoneNumberId,
      waba_id: channel.wabaId,
      from: '4915123456789',
      text: 'to every extra',
    });
    const wamid = inbound.body.wamid as string;
    const at = async (path: string) =>
      (await chatwoot.waitForRequests(1, 20000, (request) => request.path === path && request.body.toString().includes(wamid)))[0];
    expect(chatwootParses(await at('/extra/flat'))).toMatchObject({ dropped: false, message: { id: wamid } });
    expect(chatwootParses(await at('/extra/explicit'))).toEqual({ dropped: true });
    expect(chatwootParses(await at('/extra/cloud'))).toEqual({ dropped: true });
    expect((await call('POST', `${gateway}/multi_webhook`, { headers: apiHeaders(), body: '{"enabled":false}' })).status).toBe(200);
  });
});
