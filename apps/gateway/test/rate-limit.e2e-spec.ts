import { provisionChannel, TestStack, waitFor, type ProvisionedChannel } from '@wabridge/testing';
import { call, partnerKey } from './support/http';

const text = (body: string) => ({ messaging_product: 'whatsapp', to: '4915123456789', type: 'text', text: { body } });

describe('gateway: per-channel send rate limit (Meta throughput tier)', () => {
  let stack: TestStack;
  let gateway: string;
  let channel: ProvisionedChannel;

  beforeAll(async () => {
    // a tier of 10/s shared by 2 instances: this instance allows 5/s
    stack = await TestStack.start({
      services: ['gateway', 'wa-sim'],
      env: { gateway: { SEND_RATE_LIMIT_PER_S: '10', GATEWAY_INSTANCES: '2' }, 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } },
    });
    gateway = stack.url('gateway');
    channel = await provisionChannel(gateway, stack.adminToken);
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  const forwarded = async (phoneNumberId: string) =>
    (await call<{ requests: unknown[] }>('GET', `${stack.url('wa-sim')}/sim/requests?phone_number_id=${phoneNumberId}`)).body.requests.length;

  it("answers sends beyond the budget with 429 and Meta's 130429 body, without calling Meta", async () => {
    const paths = ['/messages', '/v1/messages', `/v21.0/${channel.phoneNumberId}/messages`];
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 18 }, (_, i) => call('POST', `${gateway}${paths[i % 3]}`, { headers: partnerKey(channel.apiKey), body: text(`burst ${i}`) })),
    );
    const elapsedS = (Date.now() - started) / 1000;
    const accepted = answers.filter((answer) => answer.status === 200);
    const limited = answers.filter((answer) => answer.status === 429);
    expect(accepted.length + limited.length).toBe(18);
    // the burst of one second (5), plus what refilled (5/s) while the burst was being served
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    expect(accepted.length).toBeLessThanOrEqual(5 + Math.ceil(elapsedS * 5));
    expect(limited.length).toBeGreaterThan(0);
    for (const answer of limited) {
      expect(answer.body).toEqual({
        error: {
          message: '(#130429) Rate limit hit',
          type: 'OAuthException',
          code: 130429,
          error_data: { messaging_product: 'whatsapp', details: expect.stringContaining('too many messages') },
          fbtrace_id: expect.any(String),
        },
      });
      expect(answer.headers.get('content-type')).toContain('application/json');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(await forwarded(channel.phoneNumberId)).toBe(accepted.length);
  });

  it('limits each channel on its own and lets mark-as-read through', async () => {
    const other = await provisionChannel(gateway, stack.adminToken);
    const answer = await call('POST', `${gateway}/messages`, { headers: partnerKey(other.apiKey), body: text('other channel') });
    expect(answer.status).toBe(200);
    const read = await call('POST', `${gateway}/messages`, {
      headers: partnerKey(channel.apiKey),
      body: { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.inbound' },
    });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ success: true });
  });

  it('accepts sends again once the budget refilled', async () => {
    const before = await forwarded(channel.phoneNumberId);
    const answer = await waitFor(
      async () => {
        const attempt = await call('POST', `${gateway}/messages`, { headers: partnerKey(channel.apiKey), body: text('later') });
        return attempt.status === 200 ? attempt : undefined;
      },
      { timeoutMs: 3000, intervalMs: 100, what: 'a send to be accepted again' },
    );
    expect(answer.body.messages[0].id).toMatch(/^wamid\./);
    expect(await forwarded(channel.phoneNumberId)).toBe(before + 1);
  });
});
