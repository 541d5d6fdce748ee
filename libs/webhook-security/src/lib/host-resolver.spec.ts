import { createSocket, type Socket } from 'node:dgram';
import { HostResolver } from './host-resolver';
import { resolveSafeAddress } from './url-safety';

/**
 * A nameserver on 127.0.0.1: names under `fast.test` get an A record at once, names under
 * `hang.test` never get an answer (the partner whose DNS hangs), AAAA queries an empty answer.
 */
async function startNameserver(): Promise<{ server: Socket; address: string; queries: string[] }> {
  const server = createSocket('udp4');
  const queries: string[] = [];
  server.on('message', (query, peer) => {
    const labels: string[] = [];
    let offset = 12;
    while (query[offset] !== 0) {
      labels.push(query.subarray(offset + 1, offset + 1 + query[offset]).toString());
      offset += query[offset] + 1;
    }
    const name = labels.join('.');
    const type = query.readUInt16BE(offset + 1);
    const questionEnd = offset + 5;
    queries.push(`${name}/${type}`);
    if (name.endsWith('hang.test')) return;
    const answers = type === 1 && name.endsWith('fast.test') ? 1 : 0;
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(name.endsWith('fast.test') ? 0x8180 : 0x8183, 2); // NOERROR / NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers, 6);
    const question = query.subarray(12, questionEnd);
    const answer = answers
      ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]) // A 127.0.0.1, TTL 60 s
      : Buffer.alloc(0);
    server.send(Buffer.concat([header, question, answer]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${server.address().port}`, queries };
}

describe('HostResolver', () => {
  let dns: Awaited<ReturnType<typeof startNameserver>>;

  beforeAll(async () => {
    dns = await startNameserver();
  });

  afterAll(() => dns.server.close());

  it('resolves through the given nameserver and caches the answer', async () => {
    const resolver = new HostResolver({ servers: [dns.address], timeoutMs: 300 });
    expect(await resolver.resolve('a.fast.test')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    const asked = dns.queries.length;
    expect(await resolver.resolve('A.fast.test.')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(dns.queries).toHaveLength(asked);
  });

  it('gives up on a nameserver that never answers within its timeout', async () => {
    const resolver = new HostResolver({ servers: [dns.address], timeoutMs: 200 });
    // fake timers stand for the clock of the lookup's deadline (2 × 200 ms + 500 ms); c-ares' own timeouts run on
    // real time, which barely passes here
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      let settled = false;
      const lookup = resolver.resolve('x.hang.test').finally(() => (settled = true));
      const outcome = expect(lookup).rejects.toMatchObject({ code: 'ETIMEOUT' });
      await jest.advanceTimersByTimeAsync(900);
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(true);
      await outcome;
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not let a hanging nameserver for one partner delay another', async () => {
    const resolver = new HostResolver({ servers: [dns.address], timeoutMs: 1500 });
    // far more hanging lookups than libuv's 4 getaddrinfo threads, many for the same host
    let hangingSettled = 0;
    const hanging = Array.from({ length: 40 }, (_, i) =>
      resolver
        .resolve(`p${i % 8}.hang.test`)
        .catch((error: Error) => error)
        .finally(() => (hangingSettled += 1)),
    );
    expect(await resolver.resolve('b.fast.test')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    // answered while every hanging lookup still waits (for seconds): not queued behind them
    expect(hangingSettled).toBe(0);
    // and through the URL safety check the router and gateway use
    expect(await resolveSafeAddress('c.fast.test', { allowHttp: true, allowCidrs: ['127.0.0.0/8'] }, resolver)).toEqual({
      address: '127.0.0.1',
      family: 4,
    });
    const outcomes = await Promise.all(hanging);
    expect(outcomes.every((outcome) => outcome instanceof Error)).toBe(true);
    // one query in flight per host: 8 hosts, not 40 lookups, reached the nameserver (A and AAAA, retried once)
    const hangQueries = dns.queries.filter((query) => /^p\d\.hang\.test\//.test(query));
    expect(new Set(hangQueries).size).toBe(16);
    expect(hangQueries.length).toBeLessThanOrEqual(8 * 2 * 2);
  });

  it('remembers a failure briefly and answers localhost itself', async () => {
    const resolver = new HostResolver({ servers: [dns.address], timeoutMs: 300, negativeCacheMs: 10_000 });
    await expect(resolver.resolve('gone.other.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    const asked = dns.queries.length;
    await expect(resolver.resolve('gone.other.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(dns.queries).toHaveLength(asked);
    expect(await resolver.resolve('localhost')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(dns.queries).toHaveLength(asked);
  });
});
