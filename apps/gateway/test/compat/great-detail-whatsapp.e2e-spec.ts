import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { provisionChannel, TestStack, type ProvisionedChannel } from '@wabridge/testing';
import { bearer, call } from '../support/http';
import { createTemplate, forwardedSends, registerNumber } from './compat-kit';

/**
 * The `@great-detail/whatsapp` SDK (9.x, src/Client.ts and its Message, Template, BusinessProfile and
 * Media resources) given the gateway as `baseUrl`: because of how it joins its base URL and the Graph
 * version (ky resolves `{id}/messages` against `<base>/v23.0`, dropping the version), it requests unversioned paths (`/{phone_number_id}/messages`, `/{waba_id}/message_templates`,
 * `/{phone_number_id}/whatsapp_business_profile`, `/{media_id}`), which Graph answers with its default
 * version. The key goes as `Authorization: Bearer`.
 */
describe('compatibility: @great-detail/whatsapp (unversioned Graph paths)', () => {
  let stack: TestStack;
  let gateway: string;
  let channel: ProvisionedChannel;
  const sdk = (method: string, path: string, body?: unknown) => call(method, `${gateway}${path}`, { headers: bearer(channel.apiKey), body });

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    gateway = stack.url('gateway');
    channel = await provisionChannel(gateway, stack.adminToken);
    await registerNumber(stack, channel);
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('the real SDK (partners/great-detail-client.mjs) runs its calls against the gateway on unversioned paths', async () => {
    await createTemplate(stack, channel.wabaId, 'sdk_listed');
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'partners', 'great-detail-client.mjs')], {
      env: { ...process.env, GATEWAY: gateway, API_KEY: channel.apiKey, PHONE_NUMBER_ID: channel.phoneNumberId, WABA_ID: channel.wabaId },
      timeout: 30000,
    });
    const { results, requests } = JSON.parse(stdout) as {
      results: Record<string, { ok: boolean; status: number; body: Record<string, unknown> }>;
      requests: string[];
    };
    const pn = channel.phoneNumberId;
    const waba = channel.wabaId;
    expect(requests).toEqual([
      `POST /${pn}/messages`,
      `POST /${pn}/messages`,
      `GET /${waba}/message_templates`,
      `POST /${waba}/message_templates`,
      `DELETE /${waba}/message_templates`,
      `POST /${pn}/whatsapp_business_profile`,
      `GET /${pn}/whatsapp_business_profile`,
      `POST /${pn}/media`,
      expect.stringMatching(/^GET \/\d+$/),
      expect.stringMatching(/^DELETE \/\d+$/),
      `GET /${pn}`,
      `GET /${waba}`,
      'POST /100000000000001/messages',
    ]);
    const failed = Object.entries(results).filter(([name, result]) => !result.ok && name !== 'otherNumber');
    expect(failed).toEqual([]);
    expect(results.send.body).toMatchObject({ messages: [{ id: expect.stringMatching(/^wamid\./) }] });
    expect(results.markRead.body).toEqual({ success: true });
    expect((results.templates.body.data as { name: string }[]).map((template) => template.name)).toEqual(['sdk_listed']);
    expect(results.deleteTemplate.body).toEqual({ success: true });
    expect(results.profile.body).toEqual({ data: [{ messaging_product: 'whatsapp', about: 'Bikes & repairs' }] });
    expect(results.mediaUrl.body).toMatchObject({ id: results.upload.body.id, mime_type: 'application/pdf', url: expect.stringContaining(gateway) });
    expect(results.deleteMedia.body).toEqual({ success: true });
    expect(results.phoneNumber.body).toMatchObject({ id: pn, quality_rating: 'GREEN' });
    expect(results.waba.body).toMatchObject({ id: waba, health_status: { can_send_message: 'AVAILABLE' } });
    expect(results.otherNumber).toMatchObject({ ok: false, status: 403, body: { error: { code: 200 } } });
    const sent = (await forwardedSends(stack, pn)).find((request) => JSON.stringify(request.body).includes('from the SDK'));
    expect(sent).toMatchObject({
      version: 'v21.0',
      body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: '4915123456789', text: { body: 'Grüße from the SDK' } },
    });
  });

  it('message.createMessage: POST /{phone_number_id}/messages', async () => {
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '4915123456789',
      type: 'text',
      text: { body: 'from the SDK', preview_url: false },
    };
    const answer = await sdk('POST', `/${channel.phoneNumberId}/messages`, body);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ messaging_product: 'whatsapp', messages: [{ id: expect.stringMatching(/^wamid\./) }] });
    const forwarded = (await forwardedSends(stack, channel.phoneNumberId)).at(-1)!;
    expect(forwarded).toMatchObject({ version: 'v21.0', body });
  });

  it('template.getTemplates / createTemplate / deleteTemplate: /{waba_id}/message_templates', async () => {
    await createTemplate(stack, channel.wabaId, 'welcome_back');
    const list = await sdk('GET', `/${channel.wabaId}/message_templates?limit=10`);
    expect(list.status).toBe(200);
    expect((list.body.data as { name: string }[]).map((template) => template.name)).toEqual(['sdk_listed', 'welcome_back']);
    const created = await sdk('POST', `/${channel.wabaId}/message_templates`, {
      name: 'sdk_made',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hi {{1}}', example: { body_text: [['Kerry']] } }],
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ id: expect.any(String), status: 'APPROVED' });
    const removed = await sdk('DELETE', `/${channel.wabaId}/message_templates?name=sdk_made&hsm_id=${created.body.id}`);
    expect(removed.body).toEqual({ success: true });
    expect(((await sdk('GET', `/${channel.wabaId}/message_templates`)).body.data as { name: string }[]).map((template) => template.name)).toEqual([
      'sdk_listed',
      'welcome_back',
    ]);
  });

  it('businessProfile.getBusinessProfile / updateBusinessProfile: /{phone_number_id}/whatsapp_business_profile', async () => {
    const updated = await sdk('POST', `/${channel.phoneNumberId}/whatsapp_business_profile`, {
      messaging_product: 'whatsapp',
      about: 'Bikes & repairs',
      websites: ['https://bikes.example'],
    });
    expect(updated.body).toEqual({ success: true });
    const profile = await sdk('GET', `/${channel.phoneNumberId}/whatsapp_business_profile?fields=about,websites`);
    expect(profile.body).toEqual({ data: [{ messaging_product: 'whatsapp', about: 'Bikes & repairs', websites: ['https://bikes.example'] }] });
    const refused = await sdk('POST', `/${channel.phoneNumberId}/whatsapp_business_profile`, { about: 'no product' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 100, message: expect.stringContaining('messaging_product') });
  });

  it('media.uploadMedia / getMediaURL / deleteMedia: POST /{phone_number_id}/media, GET and DELETE /{media_id}', async () => {
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('type', 'application/pdf');
    form.append('file', new Blob([Buffer.from('%PDF-1.4 sdk')], { type: 'application/pdf' }), 'offer.pdf');
    const uploaded = await fetch(`${gateway}/${channel.phoneNumberId}/media`, { method: 'POST', headers: bearer(channel.apiKey), body: form });
    expect(uploaded.status).toBe(200);
    const { id } = (await uploaded.json()) as { id: string };
    const metadata = await sdk('GET', `/${id}`);
    expect(metadata.body).toMatchObject({ id, mime_type: 'application/pdf', url: expect.stringContaining(gateway) });
    expect((await sdk('DELETE', `/${id}`)).body).toEqual({ success: true });
    expect((await sdk('GET', `/${id}`)).status).toBe(404);
  });

  it('phoneNumber.getPhoneNumber and the WABA health: /{phone_number_id}, /{waba_id}?fields=health_status', async () => {
    expect((await sdk('GET', `/${channel.phoneNumberId}?fields=verified_name,quality_rating`)).body).toEqual({
      verified_name: expect.any(String),
      quality_rating: 'GREEN',
      id: channel.phoneNumberId,
    });
    expect((await sdk('GET', `/${channel.wabaId}?fields=health_status`)).body.health_status.can_send_message).toBe('AVAILABLE');
  });

  it('unversioned paths refuse what versioned ones refuse', async () => {
    expect((await sdk('POST', '/100000000000001/messages', { messaging_product: 'whatsapp', to: '1', type: 'text', text: { body: 'x' } })).status).toBe(403);
    expect((await sdk('GET', '/not-an-id')).status).toBe(404);
    expect((await call('GET', `${gateway}/${channel.phoneNumberId}`)).status).toBe(401);
    const notMultipart = await sdk('POST', `/${channel.phoneNumberId}/media`, { file: 'x' });
    expect(notMultipart.status).toBe(400);
    expect(notMultipart.body.error).toMatchObject({ code: 100 });
  });
});
