import { randomBytes } from 'node:crypto';
import { PartnerServer, provisionChannel, TestStack, type ProvisionedChannel, type ReceivedRequest } from '@wabridge/testing';
import { bearer, call, partnerKey } from '../support/http';
import { createTemplate, forwardedSends, getBytes, inboundMedia, registerNumber } from './compat-kit';

/**
 * What Chatwoot's Cloud inbox does with a webhook (app/jobs/webhooks/whatsapp_events_job.rb +
 * app/services/whatsapp/incoming_message_whatsapp_cloud_service.rb): a Cloud envelope is matched by
 * `entry[0].changes[0].value.metadata.phone_number_id` to the inbox's `provider_config.phone_number_id`.
 */
function chatwootCloudParses(request: ReceivedRequest, inboxPhoneNumberId: string) {
  const params = JSON.parse(request.body.toString()) as {
    object?: string;
    entry?: { changes?: { value?: { metadata?: { phone_number_id?: string }; messages?: unknown[]; statuses?: unknown[] } }[] }[];
  };
  const value = params.entry?.[0]?.changes?.[0]?.value;
  if (params.object !== 'whatsapp_business_account' || value?.metadata?.phone_number_id !== inboxPhoneNumberId) return { dropped: true };
  return { dropped: false, message: value.messages?.[0], status: value.statuses?.[0] };
}

/**
 * Chatwoot's WhatsApp Cloud inbox (app/services/whatsapp/providers/whatsapp_cloud_service.rb) with
 * `WHATSAPP_CLOUD_BASE_URL=<gateway>` and the partner key as its "API key": the setup check and the
 * template sync read `/v14.0/{waba_id}/message_templates?access_token=<key>` (no header) and follow
 * `paging.next` exactly as given; sends and media use `Authorization: Bearer <key>` on /v13.0 paths.
 */
describe('compatibility: Chatwoot WhatsApp Cloud inbox against the Graph facade', () => {
  let stack: TestStack;
  let gateway: string;
  let channel: ProvisionedChannel;
  let chatwoot: PartnerServer;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'ingress', 'router', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    gateway = stack.url('gateway');
    [channel, chatwoot] = await Promise.all([provisionChannel(gateway, stack.adminToken), PartnerServer.start()]);
    await registerNumber(stack, channel);
  }, 120000);

  afterAll(async () => {
    await chatwoot?.close();
    await stack?.stop();
  });

  it('validate_provider_config? and sync_templates: access_token in the query, paging.next followed as given', async () => {
    for (let i = 0; i < 30; i += 1) await createTemplate(stack, channel.wabaId, `reminder_${String(i).padStart(2, '0')}`);
    const names: string[] = [];
    let url: string | undefined = `${gateway}/v14.0/${channel.wabaId}/message_templates?access_token=${channel.apiKey}`;
    let pages = 0;
    while (url) {
      const page = await call('GET', url);
      expect(page.status).toBe(200);
      pages += 1;
      names.push(...(page.body.data as { name: string }[]).map((template) => template.name));
      url = page.body.paging?.next as string | undefined;
      if (url) {
        expect(url.startsWith(`${gateway}/v14.0/${channel.wabaId}/message_templates?`)).toBe(true);
        expect(new URL(url).searchParams.get('access_token')).toBe(channel.apiKey);
        expect(url).not.toContain(stack.graphToken);
      }
    }
    expect(pages).toBe(2);
    expect(names).toEqual(Array.from({ length: 30 }, (_, i) => `reminder_${String(i).padStart(2, '0')}`));
    // a wrong key in the query is refused like any other
    const wrong = await call('GET', `${gateway}/v14.0/${channel.wabaId}/message_templates?access_token=not-a-valid-key-00000000000000`);
    expect(wrong).toMatchObject({ status: 401, body: { error: 'Invalid or missing D360-API-KEY' } });
  });

  it('send_message: POST /v13.0/{phone_number_id}/messages with Bearer; reads messages.first.id', async () => {
    const body = { messaging_product: 'whatsapp', context: { message_id: 'wamid.prev' }, to: '4915123456789', text: { body: 'Hallo 👋' }, type: 'text' };
    const answer = await call('POST', `${gateway}/v13.0/${channel.phoneNumberId}/messages`, { headers: bearer(channel.apiKey), body });
    expect(answer.status).toBe(200);
    expect(answer.body.messages[0].id).toMatch(/^wamid\./);
    expect((await forwardedSends(stack, channel.phoneNumberId)).at(-1)!.body).toEqual(body);
    const template = await call('POST', `${gateway}/v13.0/${channel.phoneNumberId}/messages`, {
      headers: bearer(channel.apiKey),
      body: {
        messaging_product: 'whatsapp',
        to: '4915123456789',
        type: 'template',
        template: { name: 'reminder_00', language: { policy: 'deterministic', code: 'en_US' }, components: [] },
      },
    });
    expect(template.status).toBe(200);
  });

  it('inbound: the Cloud envelope reaches the inbox matched by phone_number_id; media is fetched by id, then by its URL', async () => {
    const bound = await call('POST', `${gateway}/v1/configs/webhook`, {
      headers: partnerKey(channel.apiKey),
      body: { url: `${chatwoot.url}/webhooks/whatsapp/+${channel.displayPhoneNumber}` },
    });
    expect(bound.status).toBe(200);
    const sent = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
      body: { phone_number_id: channel.phoneNumberId, waba_id: channel.wabaId, from: '4915123456789', text: 'Wo bleibt mein Paket?' },
    });
    const [request] = await chatwoot.waitForRequests(1, 20000, (received) => received.body.toString().includes(sent.body.wamid as string));
    expect(chatwootCloudParses(request, channel.phoneNumberId)).toMatchObject({
      dropped: false,
      message: { id: sent.body.wamid, text: { body: 'Wo bleibt mein Paket?' } },
    });

    const bytes = randomBytes(9000);
    const mediaId = await inboundMedia(stack, channel.phoneNumberId, bytes, 'image/png');
    const metadata = await call('GET', `${gateway}/v13.0/${mediaId}?phone_number_id=${channel.phoneNumberId}`, { headers: bearer(channel.apiKey) });
    expect(metadata.status).toBe(200);
    expect(metadata.body).toMatchObject({ id: mediaId, mime_type: 'image/png', url: expect.stringContaining(`${gateway}/whatsapp_business/attachments/`) });
    const download = await getBytes(metadata.body.url as string, bearer(channel.apiKey));
    expect(download.status).toBe(200);
    expect(download.bytes.equals(bytes)).toBe(true);
  });

  it('never writes the key it took from the query into a log', () => {
    const logs = stack.logs();
    expect(logs).toContain('message_templates');
    expect(logs).not.toContain(channel.apiKey);
    expect(logs).not.toContain('access_token');
  });

  it("answers bad facade input in Graph's error shape", async () => {
    const badVersion = await call('GET', `${gateway}/14.0/${channel.wabaId}/message_templates`, { headers: bearer(channel.apiKey) });
    expect(badVersion.status).toBe(404);
    expect(badVersion.body.error).toMatchObject({ type: 'OAuthException' });
    const badLimit = await call('GET', `${gateway}/v14.0/${channel.wabaId}/message_templates?limit=0`, { headers: bearer(channel.apiKey) });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error).toMatchObject({ code: 100 });
    const noName = await call('DELETE', `${gateway}/v14.0/${channel.wabaId}/message_templates`, { headers: bearer(channel.apiKey) });
    expect(noName.status).toBe(400);
    expect(noName.body.error).toMatchObject({ code: 100, message: expect.stringContaining('name') });
    const notJson = await call('POST', `${gateway}/v14.0/${channel.wabaId}/message_templates`, {
      headers: { ...bearer(channel.apiKey), 'content-type': 'application/json' },
      body: '[]',
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatchObject({ code: 100 });
    const malformed = await call('POST', `${gateway}/v13.0/${channel.phoneNumberId}/whatsapp_business_profile`, {
      headers: { ...bearer(channel.apiKey), 'content-type': 'application/json' },
      body: '{"about":',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ type: 'OAuthException' });
    const badField = await call('GET', `${gateway}/v13.0/${channel.phoneNumberId}/whatsapp_business_profile?fields=secret`, {
      headers: bearer(channel.apiKey),
    });
    expect(badField.status).toBe(400);
    expect(badField.body.error.message).toContain('secret');
  });
});
