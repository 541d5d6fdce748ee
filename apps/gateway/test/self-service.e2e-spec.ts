import { randomBytes } from 'node:crypto';
import {
  FIXTURE_IDS,
  metaFixtureFor,
  PartnerServer,
  provisionChannel,
  TestStack,
  type ProvisionedChannel,
  type ReceivedRequest,
} from '@wabridge/testing';
import { call, partnerKey } from './support/http';

/** The router caches bindings for at most this long (a change reaches every instance within 1 s). */
const BINDING_PROPAGATION_MS = 1100;

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('gateway: partner self-service', () => {
  let stack: TestStack;
  let gateway: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      services: ['gateway', 'ingress', 'router', 'wa-sim'],
      env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } },
    });
    gateway = stack.url('gateway');
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  const asPartner = (channel: ProvisionedChannel, method: string, path: string, body?: unknown) =>
    call(method, `${gateway}${path}`, { headers: partnerKey(channel.apiKey), body });

  /** An inbound text message from an end user, through Meta's stand-in; resolves with its wamid. */
  const inbound = async (channel: ProvisionedChannel, text: string): Promise<string> => {
    const sent = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
      body: { phone_number_id: channel.phoneNumberId, from: FIXTURE_IDS.endUserPhone, text, waba_id: channel.wabaId },
    });
    expect(sent.body.ingress_status).toBe(200);
    return sent.body.wamid as string;
  };

  /** A priced `read` status of one of the channel's sent messages; resolves with its wamid. */
  const status = async (channel: ProvisionedChannel): Promise<string> => {
    const wamid = `wamid.${randomBytes(12).toString('hex')}`;
    const body = metaFixtureFor('status-read-priced.json', {
      [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
      [FIXTURE_IDS.wabaId]: channel.wabaId,
      [FIXTURE_IDS.templateWamid]: wamid,
    });
    const sent = await call('POST', `${stack.url('wa-sim')}/sim/webhook`, { headers: { 'content-type': 'application/json' }, body });
    expect(sent.body.ingress_status).toBe(200);
    return wamid;
  };

  const carrying = (wamid: string) => (request: ReceivedRequest) => request.body.toString('utf8').includes(wamid);

  describe('events filter', () => {
    it('a statuses-only extra destination receives statuses and no inbound messages while the primary receives both', async () => {
      const channel = await provisionChannel(gateway, stack.adminToken);
      const [primary, analytics] = await Promise.all([PartnerServer.start(), PartnerServer.start()]);
      try {
        expect((await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${primary.url}/all` })).status).toBe(200);
        const enabled = await asPartner(channel, 'POST', '/multi_webhook', {
          enabled: true,
          destinations: [{ name: 'analytics', url: `${analytics.url}/statuses`, events: ['messages.statuses'] }],
        });
        expect(enabled.status).toBe(200);
        expect(enabled.body.destinations).toEqual([expect.objectContaining({ name: 'analytics', events: ['messages.statuses'] })]);

        const message = await inbound(channel, 'for the primary only');
        const read = await status(channel);
        await primary.waitForRequests(1, 20000, carrying(message));
        await primary.waitForRequests(1, 20000, carrying(read));
        const [statusCopy] = await analytics.waitForRequests(1, 20000, carrying(read));
        expect(statusCopy.headers['webhook-id']).toMatch(/^evt_/);
        // the inbound message was routed before the status, so it would have arrived by now
        await settle(500);
        expect(analytics.received.filter(carrying(message))).toEqual([]);
        expect(analytics.received).toHaveLength(1);
      } finally {
        await Promise.all([primary.close(), analytics.close()]);
      }
    });

    it('refuses unknown values with the allowed ones, and a rebinding without events receives everything again', async () => {
      const channel = await provisionChannel(gateway, stack.adminToken);
      const partner = await PartnerServer.start();
      try {
        const refused = await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${partner.url}/x`, events: ['messages', 'inbox'] });
        expect(refused.status).toBe(400);
        expect(refused.body.error).toContain('"inbox"');
        expect(refused.body.error).toContain('allowed values: messages, message_template_status_update');
        const extraRefused = await asPartner(channel, 'POST', '/multi_webhook', {
          enabled: true,
          destinations: [{ name: 'a', url: `${partner.url}/a`, events: 'statuses' }],
        });
        expect(extraRefused.status).toBe(400);
        expect(extraRefused.body.error).toContain('allowed values');

        const filtered = await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${partner.url}/inbound`, events: ['messages.inbound'] });
        expect(filtered.status).toBe(200);
        expect(filtered.body).toMatchObject({ url: `${partner.url}/inbound`, events: ['messages.inbound'] });
        expect((await asPartner(channel, 'GET', '/v1/configs/webhook')).body).toMatchObject({ events: ['messages.inbound'] });
        await settle(BINDING_PROPAGATION_MS);
        const skipped = await status(channel);
        const message = await inbound(channel, 'inbound only');
        await partner.waitForRequests(1, 20000, carrying(message));
        expect(partner.received.filter(carrying(skipped))).toEqual([]);

        const rebound = await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${partner.url}/all` });
        expect(rebound.status).toBe(200);
        expect(rebound.body.events).toBeUndefined();
        await settle(BINDING_PROPAGATION_MS);
        const read = await status(channel);
        await partner.waitForRequests(1, 20000, carrying(read));
      } finally {
        await partner.close();
      }
    });
  });
});
