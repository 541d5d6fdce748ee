import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnsafeUrlError } from '@wabridge/webhook-security';
import { classifyError, PartnerHttpService, safeLookup } from './partner-http.service';

interface TestServer {
  url: string;
  connections: number;
  requests: { headers: IncomingMessage['headers']; body: Buffer; path: string }[];
  close(): Promise<void>;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      state.requests.push({ headers: req.headers, body: Buffer.concat(chunks), path: req.url ?? '' });
      handler(req, res);
    });
  });
  server.on('connection', () => (state.connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const state: TestServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: 0,
    requests: [],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return state;
}

const local = { allowHttp: true, allowCidrs: ['127.0.0.0/8'] };
const body = Buffer.from('{"object":"whatsapp_business_account","entry":[{"id":"1"}]}');

describe('PartnerHttpService', () => {
  const servers: TestServer[] = [];
  const deliverers: PartnerHttpService[] = [];
  const deliverer = (timeoutMs = 1000, urlPolicy = local) => {
    const created = new PartnerHttpService({ timeoutMs, urlPolicy, maxConcurrency: 8, maxConcurrencyPerDestination: 2 });
    deliverers.push(created);
    return created;
  };
  const server = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const created = await serve(handler);
    servers.push(created);
    return created;
  };

  afterEach(async () => {
    await Promise.all(deliverers.splice(0).map((item) => item.close()));
    await Promise.all(servers.splice(0).map((item) => item.close()));
  });

  it('posts the exact bytes and headers and reports the status', async () => {
    const partner = await server((_req, res) => res.writeHead(202).end('{"ok":true}'));
    const result = await deliverer().post({
      url: `${partner.url}/hooks/wa?tenant=1`,
      headers: { 'content-type': 'application/json', 'x-partner-token': 'abc' },
      body,
    });
    expect(result).toMatchObject({ kind: 'response', statusCode: 202, retryAfter: null });
    expect(partner.requests).toHaveLength(1);
    expect(partner.requests[0].path).toBe('/hooks/wa?tenant=1');
    expect(partner.requests[0].body.equals(body)).toBe(true);
    expect(partner.requests[0].headers['x-partner-token']).toBe('abc');
  });

  it('reads at most 64 KB of a large answer', async () => {
    const partner = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      let sent = 0;
      const write = () => {
        while (sent < 200 && res.write(chunk)) sent += 1;
        if (sent < 200) res.once('drain', write);
        else res.end();
      };
      write();
    });
    const result = await deliverer().post({ url: partner.url, headers: {}, body });
    expect(result).toMatchObject({ kind: 'response', statusCode: 200 });
  });

  it('does not follow a redirect', async () => {
    const elsewhere = await server((_req, res) => res.writeHead(200).end());
    const partner = await server((_req, res) => res.writeHead(307, { location: `${elsewhere.url}/moved` }).end());
    const result = await deliverer().post({ url: partner.url, headers: {}, body });
    expect(result).toMatchObject({ kind: 'response', statusCode: 307 });
    expect(elsewhere.connections).toBe(0);
  });

  it('keys its per-destination slots by destination, not by host: a tenant sharing the partner host keeps its own', async () => {
    const releases: (() => void)[] = [];
    const shared = await server((req, res) => {
      if (req.url === '/slow-tenant') releases.push(() => res.writeHead(200).end());
      else res.writeHead(200).end();
    });
    const subject = new PartnerHttpService({ timeoutMs: 2000, urlPolicy: local, maxConcurrency: 8, maxConcurrencyPerDestination: 2 });
    deliverers.push(subject);
    // tenant A's endpoint hangs and fills its two slots, with more waiting behind them
    const stuck = Array.from({ length: 4 }, () => subject.post({ url: `${shared.url}/slow-tenant`, headers: {}, body }, 'first', 'destination-a'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(releases).toHaveLength(2);
    // tenant B, same host, is delivered at once
    expect(await subject.post({ url: `${shared.url}/other-tenant`, headers: {}, body }, 'first', 'destination-b')).toMatchObject({ statusCode: 200 });
    while (releases.length > 0 || shared.requests.filter((r) => r.path === '/slow-tenant').length < 4) {
      releases.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await Promise.all(stuck)).every((result) => result.kind === 'response' && result.statusCode === 200)).toBe(true);
  });

  it('keeps half of the process for first attempts while retries pile up', async () => {
    const releases: (() => void)[] = [];
    const slow = await server((_req, res) => releases.push(() => res.writeHead(200).end()));
    const fast = await server((_req, res) => res.writeHead(200).end());
    const subject = new PartnerHttpService({ timeoutMs: 2000, urlPolicy: local, maxConcurrency: 4, maxConcurrencyPerDestination: 4 });
    deliverers.push(subject);
    const retries = Array.from({ length: 4 }, () => subject.post({ url: slow.url, headers: {}, body }, 'retry'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(slow.requests).toHaveLength(2);
    expect(await subject.post({ url: fast.url, headers: {}, body }, 'first')).toMatchObject({ statusCode: 200 });
    while (slow.requests.length < 4 || releases.length > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const results = await Promise.all(retries);
    expect(results.map((result) => (result.kind === 'response' ? result.statusCode : result.errorClass))).toEqual([200, 200, 200, 200]);
  });

  it('passes Retry-After on', async () => {
    const partner = await server((_req, res) => res.writeHead(429, { 'retry-after': '30' }).end());
    expect(await deliverer().post({ url: partner.url, headers: {}, body })).toMatchObject({ statusCode: 429, retryAfter: '30' });
  });

  it('times out a partner that never answers', async () => {
    const partner = await server(() => undefined);
    const subject = deliverer(300);
    // fake timers stand for the clock; sockets, setImmediate and promises stay real
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      let settled = false;
      const attempt = subject.post({ url: partner.url, headers: {}, body }).finally(() => (settled = true));
      // the request is on the wire: from here only the deadline ends it
      for (let turns = 0; partner.requests.length === 0 && turns < 100_000; turns += 1) await new Promise((resolve) => setImmediate(resolve));
      expect(partner.requests).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(299);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      const result = await attempt;
      expect(result).toMatchObject({ kind: 'error', errorClass: 'timeout' });
      expect(result.latencyMs).toBe(300);
    } finally {
      jest.useRealTimers();
    }
  });

  it('times out a partner that answers its headers but never finishes the body', async () => {
    const partner = await server((_req, res) => {
      res.writeHead(200);
      res.write('{"partial":');
    });
    const result = await deliverer(300).post({ url: partner.url, headers: {}, body });
    expect(result).toMatchObject({ kind: 'error', errorClass: 'timeout' });
  });

  it('reports a refused connection as a network error', async () => {
    const partner = await server(() => undefined);
    const url = partner.url;
    await partner.close();
    servers.splice(0);
    expect(await deliverer().post({ url, headers: {}, body })).toMatchObject({ kind: 'error', errorClass: 'network' });
  });

  it('never dials an address the policy does not allow', async () => {
    const partner = await server((_req, res) => res.writeHead(200).end());
    const strict = deliverer(1000, { allowHttp: true, allowCidrs: [] });
    expect(await strict.post({ url: partner.url, headers: {}, body })).toMatchObject({ kind: 'error', errorClass: 'unsafe_destination' });
    const port = new URL(partner.url).port;
    expect(await strict.post({ url: `http://localhost:${port}/`, headers: {}, body })).toMatchObject({
      errorClass: 'unsafe_destination',
    });
    expect(await strict.post({ url: `http://[::ffff:127.0.0.1]:${port}/`, headers: {}, body })).toMatchObject({
      errorClass: 'unsafe_destination',
    });
    expect(partner.connections).toBe(0);
  });

  it('checks a host name when it dials: every address it resolves to must be allowed', async () => {
    const partner = await server((_req, res) => res.writeHead(204).end());
    const port = new URL(partner.url).port;
    const result = await deliverer(1000, { allowHttp: true, allowCidrs: ['127.0.0.0/8'] }).post({
      url: `http://localhost:${port}/`,
      headers: {},
      body,
    });
    // the resolver answers localhost with 127.0.0.1 itself (RFC 6761), which this policy allows
    expect(result).toMatchObject({ kind: 'response', statusCode: 204 });
  });

  it('refuses plain http unless allowed', async () => {
    const partner = await server((_req, res) => res.writeHead(200).end());
    const httpsOnly = deliverer(1000, { allowHttp: false, allowCidrs: ['127.0.0.0/8'] });
    expect(await httpsOnly.post({ url: partner.url, headers: {}, body })).toMatchObject({ errorClass: 'unsafe_destination' });
    expect(partner.connections).toBe(0);
  });
});

describe('safeLookup', () => {
  const lookup = (policy: { allowHttp: boolean; allowCidrs: string[] }, all: boolean) =>
    new Promise<{ error: unknown; address: unknown }>((resolve) => safeLookup(policy)('localhost', { all }, (error, address) => resolve({ error, address })));

  it('refuses at dial time a name that resolves to a private address', async () => {
    const { error } = await lookup({ allowHttp: true, allowCidrs: [] }, false);
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect(classifyError(error)).toBe('unsafe_destination');
  });

  it('hands the checked address to the socket, in both lookup forms', async () => {
    const policy = { allowHttp: true, allowCidrs: ['127.0.0.0/8', '::1/128'] };
    const single = await lookup(policy, false);
    expect(single.error).toBeNull();
    expect(single.address).toEqual(expect.stringMatching(/^(127\.0\.0\.1|::1)$/));
    const all = await lookup(policy, true);
    expect(all.address).toEqual([{ address: expect.any(String), family: expect.any(Number) }]);
  });
});

describe('classifyError', () => {
  it('finds the cause in a chain', () => {
    expect(classifyError(Object.assign(new Error('fetch failed'), { cause: new UnsafeUrlError('private') }))).toBe('unsafe_destination');
    expect(classifyError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe('timeout');
    expect(classifyError(new DOMException('signal timed out', 'TimeoutError'))).toBe('timeout');
    expect(classifyError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('network');
  });
});
