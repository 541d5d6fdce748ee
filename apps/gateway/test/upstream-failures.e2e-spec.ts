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

  it('answers 502 in Meta\'s shape when nothing listens upstream', async () => {
    for (const path of ['/messages', '/v1/messages', `/v21.0/${channel.phoneNumberId}/messages`]) {
      const answer = await call('POST', `${stack.url('gateway')}${path}`, { headers: partnerKey(channel.apiKey), body: send });
      expect({ path, status: answer.status }).toEqual({ path, status: 502 });
      expect(answer.body).toEqual({
        error: { message: expect.any(String), type: 'OAuthException', code: 2, is_transient: true, fbtrace_id: expect.any(String) },
      });
    }
  });

  it('answers 504 in Meta\'s shape when the Graph API does not answer in time', async () => {
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
