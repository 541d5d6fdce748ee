import { randomBytes } from 'node:crypto';
import { WhatsAppClient } from '@kapso/whatsapp-cloud-api';
import { provisionChannel, TestStack, TopicCollector, type ProvisionedChannel } from '@wabridge/testing';
import type { OutboundEvent } from '@wabridge/contracts';
import { createTemplate, forwardedSends } from './compat-kit';

/**
 * A real npm Cloud API client, run unchanged: @kapso/whatsapp-cloud-api with `baseUrl` = the gateway
 * and the partner key as its access token (sent as `Authorization: Bearer`), on the Graph-style paths.
 */
describe('compatibility: @kapso/whatsapp-cloud-api pointed at the gateway', () => {
  let stack: TestStack;
  let channel: ProvisionedChannel;
  let outbound: TopicCollector;
  let client: WhatsAppClient;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    [channel, outbound] = await Promise.all([provisionChannel(stack.url('gateway'), stack.adminToken), TopicCollector.start(stack.topics.outbound)]);
    client = new WhatsAppClient({ baseUrl: stack.url('gateway'), accessToken: channel.apiKey, graphVersion: 'v21.0' });
  }, 120000);

  afterAll(async () => {
    await outbound?.stop();
    await stack?.stop();
  });

  it('sends a template; the gateway forwards it and counts it', async () => {
    await createTemplate(stack, channel.wabaId, 'order_shipped');
    const response = await client.messages.sendTemplate({
      phoneNumberId: channel.phoneNumberId,
      to: '4915123456789',
      template: {
        name: 'order_shipped',
        language: { code: 'en_US' },
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
    });
    const wamid = response.messages[0].id;
    expect(wamid).toMatch(/^wamid\./);
    expect((await forwardedSends(stack, channel.phoneNumberId)).at(-1)!.body).toMatchObject({
      messaging_product: 'whatsapp',
      type: 'template',
      template: { name: 'order_shipped' },
    });
    const [{ value }] = await outbound.waitForValues(1, (event: OutboundEvent) => event.wamid === wamid, 'the outbound event');
    expect(value).toMatchObject({ type: 'template', template: { name: 'order_shipped', language: 'en_US' }, channel_id: channel.channelId });
  });

  it('uploads media, reads its metadata, downloads the bytes and deletes it', async () => {
    const bytes = randomBytes(40000);
    const uploaded = await client.media.upload({
      phoneNumberId: channel.phoneNumberId,
      type: 'image/jpeg',
      file: new Blob([bytes], { type: 'image/jpeg' }),
      fileName: 'photo.jpg',
    });
    expect(uploaded.id).toMatch(/^\d+$/);
    const metadata = await client.media.get({ mediaId: uploaded.id, phoneNumberId: channel.phoneNumberId });
    expect(metadata).toMatchObject({ id: uploaded.id });
    // the client's types say camelCase, at run time it hands Graph's snake_case through: either will do
    expect(Object.values(metadata)).toContain('image/jpeg');
    expect(String(metadata.url).startsWith(`${stack.url('gateway')}/whatsapp_business/attachments/`)).toBe(true);
    // `auth: 'always'` as with Meta itself, whose media URLs also need the token
    const downloaded = (await client.media.download({ mediaId: uploaded.id, phoneNumberId: channel.phoneNumberId, auth: 'always' })) as ArrayBuffer;
    expect(Buffer.from(downloaded).equals(bytes)).toBe(true);
    expect(await client.media.delete({ mediaId: uploaded.id, phoneNumberId: channel.phoneNumberId })).toMatchObject({ success: true });
  });
});
