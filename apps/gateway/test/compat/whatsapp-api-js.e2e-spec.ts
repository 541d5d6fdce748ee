import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FIXTURE_IDS, metaFixtureFor, provisionChannel, TestStack, waitFor, type ProvisionedChannel, bindingPropagated } from '@wabridge/testing';
import { call, partnerKey } from '../support/http';

interface Received {
  verified: boolean;
  shape: 'cloud' | 'flat' | 'unparsable';
  error?: string;
  path: string;
  body: string;
}

/** Starts the whatsapp-api-js receiver (partners/whatsapp-api-js-receiver.mjs) and resolves with its URL. */
async function startReceiver(appSecret: string): Promise<{ process: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(__dirname, 'partners', 'whatsapp-api-js-receiver.mjs')], {
    env: { ...process.env, APP_SECRET: appSecret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  return { process: child, url: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}` };
}

/**
 * A partner built on the Meta SDK whatsapp-api-js (6.x, `WhatsAppAPI.post(data, raw_body, signature)`
 * in src/index.ts) binds its webhook with its own `app_secret`, and verifies X-Hub-Signature-256 the
 * documented way: over the body with non-ASCII escaped. Meta's bytes pass through unchanged; the
 * bodies wabridge writes itself (each change of a split request, the on-premise shape, the
 * simulator's webhooks) must come out in Meta's encoding to pass too.
 */
describe('compatibility: whatsapp-api-js verifies X-Hub-Signature-256 on every body wabridge delivers', () => {
  let stack: TestStack;
  let gateway: string;
  let channel: ProvisionedChannel;
  let receiver: { process: ChildProcess; url: string };
  const appSecret = 'partner-app-secret-' + randomBytes(8).toString('hex');

  const received = async (): Promise<Received[]> => (await call<Received[]>('GET', `${receiver.url}/received`)).body;
  const receivedWith = async (text: string, count = 1): Promise<Received[]> => {
    let matching: Received[] = [];
    await waitFor(async () => (matching = (await received()).filter((entry) => entry.body.includes(text))).length >= count, {
      timeoutMs: 20000,
      what: `${count} deliveries with ${text}`,
    });
    return matching;
  };
  const bind = async (body: Record<string, unknown>) => {
    const answer = await call('POST', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey), body: { ...body, app_secret: appSecret } });
    expect(answer.status).toBe(200);
    await bindingPropagated();
  };
  const inbound = async (text: string): Promise<string> => {
    const answer = await call('POST', `${stack.url('wa-sim')}/sim/inbound`, {
      body: { phone_number_id: channel.phoneNumberId, waba_id: channel.wabaId, from: '4915123456789', text, name: 'Zoë Ångström' },
    });
    expect(answer.body.ingress_status).toBe(200);
    return answer.body.wamid as string;
  };

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['gateway', 'ingress', 'router', 'wa-sim'], env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } } });
    gateway = stack.url('gateway');
    [channel, receiver] = await Promise.all([provisionChannel(gateway, stack.adminToken), startReceiver(appSecret)]);
  }, 120000);

  afterAll(async () => {
    receiver?.process.kill();
    await stack?.stop();
  });

  it('the SDK refuses a raw UTF-8 body signed as is, and takes the same content Meta-encoded: the check can fail', async () => {
    const content = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: channel.wabaId,
          changes: [
            {
              field: 'messages',
              value: { metadata: { phone_number_id: '1' }, statuses: [{ id: 'wamid.x', status: 'sent', recipient_id: '1', text: 'Grüße 👋' }] },
            },
          ],
        },
      ],
    };
    const sign = (body: string) => `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
    const raw = JSON.stringify(content);
    const encoded = raw.replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/\//g, '\\/');
    expect((await call('POST', `${receiver.url}/probe-raw`, { headers: { 'x-hub-signature-256': sign(raw) }, body: raw })).status).toBe(401);
    expect((await call('POST', `${receiver.url}/probe-encoded`, { headers: { 'x-hub-signature-256': sign(encoded) }, body: encoded })).status).toBe(200);
  });

  it('verifies a single-change webhook with accents, an emoji and a URL (the simulator writes it as Meta does)', async () => {
    await bind({ url: `${receiver.url}/cloud` });
    const wamid = await inbound('Grüße 👋 — https://shop.example.com/orders/10023');
    const [delivery] = await receivedWith(wamid);
    expect(delivery).toMatchObject({ verified: true, shape: 'cloud' });
    expect(delivery.body).toContain('"body":"Gr\\u00fc\\u00dfe \\ud83d\\udc4b \\u2014 https:\\/\\/shop.example.com\\/orders\\/10023"');
  });

  it('verifies each half of a split multi-change webhook', async () => {
    const suffix = randomBytes(4).toString('hex');
    const body = metaFixtureFor('multi-change-unicode.json', {
      [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
      [FIXTURE_IDS.wabaId]: channel.wabaId,
      NDkxNTEyMzQ1Njc4ORUCAB: `split${suffix}`,
    });
    const sent = await call('POST', `${stack.url('wa-sim')}/sim/webhook`, { headers: { 'content-type': 'application/json' }, body });
    expect(sent.body.ingress_status).toBe(200);
    const deliveries = await receivedWith(`split${suffix}`, 3);
    expect(deliveries.map((delivery) => ({ verified: delivery.verified, shape: delivery.shape, error: delivery.error }))).toEqual(
      Array(3).fill({ verified: true, shape: 'cloud', error: undefined }),
    );
    expect(deliveries.map((delivery) => (JSON.parse(delivery.body) as { entry: { changes: unknown[] }[] }).entry[0].changes.length)).toEqual([1, 1, 1]);
    expect(deliveries.some((delivery) => delivery.body.includes('"body":"\\u00c7a va? \\ud83d\\ude42 1\\/2"'))).toBe(true);
  });

  it('verifies the on-premise body wabridge builds from the envelope', async () => {
    await bind({ url: `${receiver.url}/flat`, on_premise_format: true });
    const wamid = await inbound('Ça va? 🙂 see https://shop.example.com/faq');
    const [delivery] = await receivedWith(wamid);
    expect(delivery).toMatchObject({ verified: true, shape: 'flat', path: '/flat' });
    expect(delivery.body.startsWith('{"contacts":[{"profile":{"name":"Zo\\u00eb \\u00c5ngstr\\u00f6m"}')).toBe(true);
    expect(delivery.body).toContain('https:\\/\\/shop.example.com\\/faq');
  });
});
