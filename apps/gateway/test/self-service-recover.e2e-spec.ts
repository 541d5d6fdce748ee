import { FIXTURE_IDS, PartnerServer, provisionChannel, TestStack, waitFor, type ProvisionedChannel, type ReceivedRequest } from '@wabridge/testing';
import { call, partnerKey } from './support/http';

interface DeliveryView {
  event_id: string;
  state: string;
  attempts: number;
  error_class: string | null;
}

/**
 * Recovering events that are not dead yet. This stack's retries wait long (the second one about 36 s),
 * so a partner that comes back would otherwise wait for them.
 */
describe('gateway: recovering events that are still retrying or were dropped by a 410', () => {
  let stack: TestStack;
  let gateway: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      services: ['gateway', 'ingress', 'router', 'wa-sim'],
      env: { router: { RETRY_SCHEDULE: '5s,10h', ROUTER_BREAKER_FAILURES: '100000' } },
    });
    gateway = stack.url('gateway');
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  const asPartner = (channel: ProvisionedChannel, method: string, path: string, body?: unknown) =>
    call(method, `${gateway}${path}`, { headers: partnerKey(channel.apiKey), body });

  const inbound = async (channel: ProvisionedChannel, text: string): Promise<string> => {
    const sent = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
      body: { phone_number_id: channel.phoneNumberId, from: FIXTURE_IDS.endUserPhone, text, waba_id: channel.wabaId },
    });
    expect(sent.body.ingress_status).toBe(200);
    return sent.body.wamid as string;
  };

  const carrying = (wamid: string) => (request: ReceivedRequest) => request.body.toString('utf8').includes(wamid);

  const rowsIn = (channel: ProvisionedChannel, state: string, count: number) =>
    waitFor(
      async () => {
        const page = await asPartner(channel, 'GET', `/v1/deliveries?state=${state}`);
        return page.body.data.length === count ? (page.body.data as DeliveryView[]) : undefined;
      },
      { timeoutMs: 20000, intervalMs: 200, what: `${count} deliveries in state ${state}` },
    );

  it('delivers an event waiting for its next retry now, with its webhook-id, instead of at the retry', async () => {
    const channel = await provisionChannel(gateway, stack.adminToken);
    let down = true;
    const partner = await PartnerServer.start(() => (down ? 500 : 200));
    try {
      expect((await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${partner.url}/hook` })).status).toBe(200);
      const since = new Date(Date.now() - 1000).toISOString();
      const wamid = await inbound(channel, 'while the partner is down');
      const [waiting] = await waitFor(
        async () => {
          const rows = await rowsIn(channel, 'retry_scheduled', 1);
          return rows[0].attempts === 2 ? rows : undefined;
        },
        { timeoutMs: 20000, intervalMs: 200, what: 'the event to wait for its long retry' },
      );
      expect(partner.received.filter(carrying(wamid))).toHaveLength(2);
      down = false;

      const recoveredAt = Date.now();
      const recovered = await asPartner(channel, 'POST', '/v1/deliveries/recover', { since });
      expect(recovered.status).toBe(202);
      expect(recovered.body.queued).toBe(1);
      const [again] = await partner.waitForRequests(1, 10000, (request) => carrying(wamid)(request) && request.at >= recoveredAt);
      expect(again.headers['webhook-id']).toBe(waiting.event_id);
      // well before the scheduled retry (36 s ± 20 %)
      expect(again.at - recoveredAt).toBeLessThan(15000);
      const [delivered] = await rowsIn(channel, 'delivered', 1);
      expect(delivered).toMatchObject({ event_id: waiting.event_id, attempts: 3 });
    } finally {
      await partner.close();
    }
  });

  it('recovers an event a 410 Gone dropped, once the partner bound itself again', async () => {
    const channel = await provisionChannel(gateway, stack.adminToken);
    const gone = await PartnerServer.start(() => 410);
    const back = await PartnerServer.start();
    try {
      expect((await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${gone.url}/hook` })).status).toBe(200);
      const since = new Date(Date.now() - 1000).toISOString();
      const wamid = await inbound(channel, 'answered with 410');
      const [dropped] = await rowsIn(channel, 'disabled', 1);
      expect(gone.received.filter(carrying(wamid))).toHaveLength(1);
      // nothing is bound while the destination is disabled
      expect((await asPartner(channel, 'POST', '/v1/deliveries/recover', { since })).body).toEqual({ error: 'no webhook configured' });

      expect((await asPartner(channel, 'POST', '/v1/configs/webhook', { url: `${back.url}/hook` })).status).toBe(200);
      const recovered = await asPartner(channel, 'POST', '/v1/deliveries/recover', { since });
      expect(recovered.status).toBe(202);
      expect(recovered.body.queued).toBe(1);
      const [again] = await back.waitForRequests(1, 10000, carrying(wamid));
      expect(again.headers['webhook-id']).toBe(dropped.event_id);
      expect(gone.received.filter(carrying(wamid))).toHaveLength(1);
    } finally {
      await Promise.all([gone.close(), back.close()]);
    }
  });
});
