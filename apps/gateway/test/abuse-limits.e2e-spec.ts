// The gateway's abuse limits (docs/security.md#abuse-limits), against the real service: JSON depth,
// bind-time header checks, the per-key rate limit on every partner route, strict key format and
// request timeouts for slow bodies.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { provisionChannel, TestStack, type ProvisionedChannel } from '@wabridge/testing';
import { call, partnerKey } from './support/http';

describe('gateway abuse limits', () => {
  let stack: TestStack;
  let gateway: string;
  let channel: ProvisionedChannel;
  const metricsToken = randomBytes(24).toString('base64url');

  beforeAll(async () => {
    stack = await TestStack.start({
      services: ['gateway', 'wa-sim'],
      env: { gateway: { PARTNER_RATE_LIMIT_PER_S: '5', HTTP_REQUEST_TIMEOUT_MS: '1500', METRICS_TOKEN: metricsToken, GATEWAY_DOCS: 'operator' } },
    });
    gateway = stack.url('gateway');
    channel = await provisionChannel(gateway, stack.adminToken);
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /** Waits until the key's bucket is full again (burst: two seconds' worth). */
  const rested = () => new Promise((resolve) => setTimeout(resolve, 2100));

  it("answers deeply nested JSON with 400 in the path's own error shape, not a 500", async () => {
    const deep = `{"messaging_product":"whatsapp","to":"1","type":"text","text":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const onPremise = await call('POST', `${gateway}/v1/messages`, {
      headers: { ...partnerKey(channel.apiKey), 'content-type': 'application/json' },
      body: deep,
    });
    expect(onPremise.status).toBe(400);
    expect(JSON.stringify(onPremise.body)).toContain('nested deeper than 32 levels');
    const config = await call('POST', `${gateway}/v1/configs/webhook`, {
      headers: { ...partnerKey(channel.apiKey), 'content-type': 'application/json' },
      body: `[${'['.repeat(100)}${']'.repeat(100)}]`,
    });
    expect(config.status).toBe(400);
    expect(config.body).toEqual({ error: 'JSON body nested deeper than 32 levels' });
    await rested();
  });

  it.each([
    [{ 'Keep-Alive': 'timeout=5' }, 'cannot be overridden'],
    [{ Upgrade: 'websocket' }, 'cannot be overridden'],
    [{ Expect: '100-continue' }, 'cannot be overridden'],
    [{ 'X-Name': 'Zoë ✓' }, 'printable Latin-1'],
  ])('refuses at bind time the header %j that could never be sent', async (headers, reason) => {
    const answer = await call('POST', `${gateway}/v1/configs/webhook`, {
      headers: partnerKey(channel.apiKey),
      body: { url: 'http://127.0.0.1:9/hook', headers },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain(reason);
    await rested();
  });

  it('rate limits every partner route per key, not only sends, and leaves other keys alone', async () => {
    const other = await provisionChannel(gateway, stack.adminToken);
    const answers = await Promise.all(Array.from({ length: 20 }, () => call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey) })));
    const limited = answers.filter((answer) => answer.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.filter((answer) => answer.status !== 429).length).toBeLessThanOrEqual(11);
    expect(limited[0].body).toEqual({ error: 'rate limit exceeded: slow down' });
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Meta's shape on Meta-style paths
    // (a burst again: on a loaded machine a single call may already find a token refilled since the burst above)
    const templates = await Promise.all(Array.from({ length: 20 }, () => call('GET', `${gateway}/message_templates`, { headers: partnerKey(channel.apiKey) })));
    const metaLimited = templates.filter((answer) => answer.status === 429);
    expect(metaLimited.length).toBeGreaterThan(0);
    expect(metaLimited[0].body.error).toMatchObject({ code: 4, type: 'OAuthException' });
    // another key is not affected
    expect((await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(other.apiKey) })).status).not.toBe(429);
    const metrics = await (await fetch(`${gateway}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
    expect(metrics).toMatch(/wabridge_gateway_partner_rate_limited_total [1-9]/);
    await rested();
  });

  it('keeps /metrics behind METRICS_TOKEN and /docs behind the operator token when so configured', async () => {
    expect((await call('GET', `${gateway}/metrics`)).status).toBe(401);
    expect((await call('GET', `${gateway}/metrics`, { headers: { authorization: `Bearer ${stack.adminToken}` } })).status).toBe(401);
    const metrics = await call('GET', `${gateway}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('wabridge_gateway_');
    for (const path of ['/docs', '/docs/json', '/docs/yaml']) {
      expect((await call('GET', `${gateway}${path}`)).status).toBe(401);
      expect((await call('GET', `${gateway}${path}`, { headers: { authorization: `Bearer ${metricsToken}` } })).status).toBe(401);
    }
    const docs = await call('GET', `${gateway}/docs/json`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    expect(docs.status).toBe(200);
    expect(docs.body.openapi).toMatch(/^3\./);
  });

  it('refuses keys that do not have the issued format without a lookup', async () => {
    for (const key of [`${channel.apiKey}x`, channel.apiKey.slice(1), `${channel.apiKey.slice(0, 42)}=`]) {
      expect((await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(key) })).status).toBe(401);
    }
    expect((await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(channel.apiKey) })).status).not.toBe(401);
  });

  it('closes a connection whose request body does not arrive within HTTP_REQUEST_TIMEOUT_MS', async () => {
    const { port } = new URL(gateway);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const started = Date.now();
    socket.write(
      `POST /v1/configs/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nD360-API-KEY: ${channel.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"url":`,
    );
    // a byte now and then, never the whole body
    const drip = setInterval(() => socket.write(' '), 200);
    const closedAfter = await new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
    clearInterval(drip);
    expect(closedAfter).toBeGreaterThanOrEqual(1400);
    expect(closedAfter).toBeLessThan(5000);
  });
});
