import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp, type Options } from 'pino-http';
import { failedRequestLogger, loggerParams } from './logging';

/** pino-http as the services configure it, and the hot-route logger on its logger, side by side on one server. */
async function serve(): Promise<{ url: string; lines: Record<string, unknown>[]; server: Server }> {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const { pinoHttp: options } = loggerParams('gateway', 'info');
  // loggerParams gives pino-http an options object (never a stream)
  const cold = pinoHttp(options as Options, stream);
  const hot = failedRequestLogger(() => cold.logger);
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // as Fastify does: its request ids are on the raw request, and pino-http logs them
    requests += 1;
    req.id = `req-${requests}`;
    const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status'));
    const answer = () => res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    if (req.url?.startsWith('/hot')) hot(req, res, answer);
    else cold(req, res, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines, server };
}

/** A line with what differs by request (time, duration, path prefix) blanked. */
const comparable = (line: Record<string, unknown>) => ({
  ...line,
  time: 'T',
  reqId: typeof line.reqId,
  responseTime: typeof line.responseTime,
  req: { ...(line.req as object), path: String((line.req as { path: string }).path).replace(/^\/(hot|cold)/, '') },
});

describe('failedRequestLogger (hot routes)', () => {
  let target: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => (target = await serve()));
  afterAll(() => new Promise((resolve) => target.server.close(resolve)));

  const send = async (prefix: string, status: number) => {
    await (
      await fetch(`${target.url}/${prefix}/106540352242922/messages?status=${status}&access_token=secret-key-material`, {
        method: 'POST',
        headers: { 'd360-api-key': 'secret-key-material', 'content-type': 'application/json' },
        body: JSON.stringify({ to: '4915112345678', text: { body: 'hello there' } }),
      })
    ).text();
    await new Promise((resolve) => setImmediate(resolve));
  };

  it('logs nothing for a successful answer', async () => {
    const before = target.lines.length;
    await send('hot', 200);
    await send('hot', 204);
    expect(target.lines).toHaveLength(before);
  });

  it.each([400, 401, 429, 500, 502])('logs one line for a %i answer, the line pino-http logs, without secrets', async (status) => {
    let before = target.lines.length;
    await send('hot', status);
    expect(target.lines).toHaveLength(before + 1);
    const hotLine = target.lines.at(-1)!;
    before = target.lines.length;
    await send('cold', status);
    expect(target.lines).toHaveLength(before + 1);
    const coldLine = target.lines.at(-1)!;

    expect(comparable(hotLine)).toEqual(comparable(coldLine));
    expect(Object.keys(hotLine)).toEqual(Object.keys(coldLine));
    expect(hotLine).toMatchObject({
      level: status >= 500 ? 'error' : 'warn',
      service: 'gateway',
      req: { method: 'POST', path: '/hot/:id/messages' },
      res: { status },
      reqId: expect.stringMatching(/^req-\d+$/),
      responseTime: expect.any(Number),
    });
    const text = JSON.stringify(hotLine);
    for (const secret of ['secret-key-material', '106540352242922', '4915112345678', 'hello there', '127.0.0.1']) expect(text).not.toContain(secret);
  });
});
