import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AcceptOutcome, WebhookPublisherService } from './webhook-publisher.service';
import { WebhookReceiver } from './webhook-receiver';

const SIGNATURE = `sha256=${'ab'.repeat(32)}`;

describe('WebhookReceiver', () => {
  let server: Server;
  let base: string;
  let outcome: AcceptOutcome;
  const received: { raw: Buffer; signature?: string; traceparent?: string }[] = [];
  const failures: unknown[] = [];

  beforeAll(async () => {
    const receiver = new WebhookReceiver(1024);
    const publisher = {
      accept: (raw: Buffer, signature?: string, traceparent?: string) => {
        received.push({ raw, signature, traceparent });
        return outcome.kind === 'unauthenticated' && raw.toString() === 'throw' ? Promise.reject(new Error('bug')) : Promise.resolve(outcome);
      },
    } as unknown as WebhookPublisherService;
    receiver.attach(publisher, (error) => failures.push(error));
    server = createServer(receiver.listener((_req, res) => res.writeHead(404).end('next')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (body: string | Buffer, headers: Record<string, string> = { 'x-hub-signature-256': SIGNATURE }, path = '/webhooks/whatsapp') =>
    fetch(`${base}${path}`, { method: 'POST', body, headers });

  it('hands the raw bytes and the headers to the publisher and answers 200 with the event count', async () => {
    outcome = { kind: 'accepted', events: 2 };
    const response = await post('{"a":1}', { 'x-hub-signature-256': SIGNATURE, traceparent: 'tp' }, '/webhooks/whatsapp?x=1');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ status: 'accepted', events: 2 });
    expect(received.at(-1)).toEqual({ raw: Buffer.from('{"a":1}'), signature: SIGNATURE, traceparent: 'tp' });
  });

  it.each([undefined, 'sha256=ab', `sha1=${'ab'.repeat(32)}`, `sha256=${'zz'.repeat(32)}`])(
    'answers 401 to signature %j before reading the body',
    async (signature) => {
      const count = received.length;
      // a body that never ends: only an answer given before reading it can arrive
      const endless = new ReadableStream({ start: (controller) => controller.enqueue(new Uint8Array(512)) });
      const response = await fetch(`${base}/webhooks/whatsapp`, {
        method: 'POST',
        body: endless,
        duplex: 'half',
        headers: signature ? { 'x-hub-signature-256': signature } : {},
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'invalid or missing X-Hub-Signature-256' });
      expect(received).toHaveLength(count);
    },
  );

  it.each<[AcceptOutcome, number, object]>([
    [{ kind: 'unauthenticated' }, 401, { error: 'invalid or missing X-Hub-Signature-256' }],
    [{ kind: 'quarantined', reason: 'malformed JSON' }, 400, { error: 'not a WhatsApp webhook envelope: malformed JSON', quarantined: true }],
    [{ kind: 'unavailable' }, 503, { error: 'event store unavailable, retry later' }],
  ])('answers %j with %i', async (given, status, body) => {
    outcome = given;
    const response = await post('{}');
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual(body);
    expect(response.headers.get('retry-after')).toBe(status === 503 ? '5' : null);
  });

  it('answers 500 to an unexpected failure and reports it', async () => {
    outcome = { kind: 'unauthenticated' };
    const response = await post('throw');
    expect(response.status).toBe(500);
    expect(failures).toHaveLength(1);
  });

  it('answers 413 over the body limit, whether announced or streamed', async () => {
    const count = received.length;
    expect((await post(Buffer.alloc(2048, 'a'))).status).toBe(413);
    const streamed = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(512));
        controller.close();
      },
    });
    const response = await fetch(`${base}/webhooks/whatsapp`, {
      method: 'POST',
      body: streamed,
      duplex: 'half',
      headers: { 'x-hub-signature-256': SIGNATURE },
    });
    expect(response.status).toBe(413);
    expect(received).toHaveLength(count);
  });

  it('reads and drops an over-limit body after the 413, so the client finishes writing and the connection serves the next request', async () => {
    const { request, Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const send = (body: Buffer) =>
      new Promise<{ status: number; written: boolean }>((resolve, reject) => {
        const req = request(
          `${base}/webhooks/whatsapp`,
          { method: 'POST', agent, headers: { 'x-hub-signature-256': SIGNATURE, 'content-length': String(body.length) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, written: req.writableEnded }));
          },
        );
        req.on('socket', (socket) => sockets.add(socket));
        req.on('error', reject);
        // written in pieces, the later ones after the answer has come
        for (let i = 0; i < 8; i++) req.write(body.subarray(i * 512, (i + 1) * 512));
        req.end();
      });
    outcome = { kind: 'accepted', events: 1 };
    const refused = await send(Buffer.alloc(4096, 'a'));
    expect(refused).toEqual({ status: 413, written: true });
    expect(await send(Buffer.from('{"ok":1}'))).toEqual({ status: 200, written: true });
    expect(sockets.size).toBe(1);
    agent.destroy();
  });

  it('leaves every other request to the next listener', async () => {
    expect(await (await fetch(`${base}/webhooks/whatsapp`)).text()).toBe('next');
    expect(await (await post('{}', {}, '/webhooks/whatsapp/other')).text()).toBe('next');
    expect(await (await fetch(`${base}/health/live`)).text()).toBe('next');
  });

  it('caps the bytes it holds across webhooks: beyond, 503 (Meta retries) until some are done', async () => {
    const waiting: (() => void)[] = [];
    const capped = new WebhookReceiver(1024, 1500);
    capped.attach(
      {
        accept: () => new Promise<AcceptOutcome>((resolve) => waiting.push(() => resolve({ kind: 'accepted', events: 1 }))),
      } as unknown as WebhookPublisherService,
      () => undefined,
    );
    const other = createServer(capped.listener((_req, res) => res.writeHead(404).end()));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/webhooks/whatsapp`;
    const send = () => fetch(url, { method: 'POST', body: Buffer.alloc(700, 'a'), headers: { 'x-hub-signature-256': SIGNATURE } });
    try {
      const first = send();
      const second = send();
      while (waiting.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(capped.bytesHeld).toBe(1400);
      const third = await send();
      expect(third.status).toBe(503);
      expect(third.headers.get('retry-after')).toBe('5');
      expect(capped.bytesHeld).toBe(1400);
      waiting.splice(0).forEach((resolve) => resolve());
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      expect(capped.bytesHeld).toBe(0);
      const fourth = send();
      while (waiting.length < 1) await new Promise((resolve) => setTimeout(resolve, 10));
      waiting.splice(0).forEach((resolve) => resolve());
      expect((await fourth).status).toBe(200);
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
