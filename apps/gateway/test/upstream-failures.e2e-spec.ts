import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from '@wabridge/local-infra';
import { provisionChannel, TestStack, type ProvisionedChannel } from '@wabridge/testing';
import { call, partnerKey } from './support/http';

const send = { messaging_product: 'whatsapp', to: '4915123456789', type: 'text', text: { body: 'hi' } };

describe('gateway: Graph API unreachable or slow', () => {
  let stack: TestStack;
  let channel: ProvisionedChannel;
  let upstreamPort: number;
  let hanging: Server | undefined;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    upstreamPort = await freePort();
    stack = await TestStack.start({
      services: ['gateway'],
      env: { gateway: { GRAPH_API_URL: `http://127.0.0.1:${upstreamPort}`, GRAPH_API_TIMEOUT_MS: '500' } },
    });
    channel = await provisionChannel(stack.url('gateway'), stack.adminToken);
  }, 90000);

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (hanging ? hanging.close(() => resolve()) : resolve()));
    await stack?.stop();
  });

  it("answers 502 in Meta's shape when nothing listens upstream", async () => {
    for (const path of ['/messages', '/v1/messages', `/v21.0/${channel.phoneNumberId}/messages`]) {
      const answer = await call('POST', `${stack.url('gateway')}${path}`, { headers: partnerKey(channel.apiKey), body: send });
      expect({ path, status: answer.status }).toEqual({ path, status: 502 });
      expect(answer.body).toEqual({
        error: { message: expect.any(String), type: 'OAuthException', code: 2, is_transient: true, fbtrace_id: expect.any(String) },
      });
    }
  });

  it("answers 502 in Meta's shape on the template and media paths too", async () => {
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('file', new Blob([Buffer.from('bytes')], { type: 'image/png' }), 'a.png');
    const requests: [string, string, unknown][] = [
      ['GET', '/v1/configs/templates', undefined],
      ['POST', '/v1/configs/templates', { name: 'x', category: 'UTILITY', language: 'en', components: [] }],
      ['DELETE', '/v1/configs/templates/x', undefined],
      ['GET', '/message_templates', undefined],
      ['GET', '/1037543291543636', undefined],
      ['DELETE', '/1037543291543636', undefined],
      ['GET', '/v1/media/1037543291543636', undefined],
      ['GET', '/whatsapp_business/attachments/?mid=1&ext=1&hash=h', undefined],
    ];
    for (const [method, path, body] of requests) {
      const answer = await call(method, `${stack.url('gateway')}${path}`, { headers: partnerKey(channel.apiKey), body });
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 502 });
      expect(answer.body.error).toMatchObject({ type: 'OAuthException', code: 2, is_transient: true });
    }
    const upload = await fetch(`${stack.url('gateway')}/media`, { method: 'POST', headers: partnerKey(channel.apiKey), body: form });
    expect(upload.status).toBe(502);
    expect(await upload.json()).toMatchObject({ error: { code: 2 } });
  });

  it("answers 504 in Meta's shape when the Graph API does not answer in time", async () => {
    hanging = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => hanging!.listen(upstreamPort, '127.0.0.1', resolve));
    const started = Date.now();
    const answer = await call('POST', `${stack.url('gateway')}/messages`, { headers: partnerKey(channel.apiKey), body: send });
    expect(answer.status).toBe(504);
    expect(answer.body.error).toMatchObject({ type: 'OAuthException', code: 2, is_transient: true });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
