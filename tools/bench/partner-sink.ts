import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Partners' webhook endpoints for the end-to-end scenarios: `endpoints` keep-alive node:http servers,
 * each on a port of its own (so the router keeps a connection pool per endpoint, as with real partners),
 * all noting when each message id first arrives and how often it arrived.
 */
export class PartnerSink {
  /** message marker → when it first arrived (performance.now()) */
  readonly arrivals = new Map<string, number>();
  /** message marker → how many times it arrived */
  readonly deliveries = new Map<string, number>();
  private readonly servers: Server[] = [];
  readonly urls: string[] = [];

  /** the first endpoint's URL */
  get url(): string {
    return this.urls[0];
  }

  async start(endpoints = 1): Promise<void> {
    for (let i = 0; i < endpoints; i += 1) {
      const server = createServer((req, res) => this.receive(req, res));
      server.keepAliveTimeout = 60000;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.servers.push(server);
      this.urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    }
  }

  /** Forgets every arrival (between scenarios). */
  clear(): void {
    this.arrivals.clear();
    this.deliveries.clear();
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(async (server) => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }),
    );
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      const match = /"id":"wamid\.([^"]+)"/.exec(Buffer.concat(chunks).toString());
      if (match) {
        if (!this.arrivals.has(match[1])) this.arrivals.set(match[1], at);
        this.deliveries.set(match[1], (this.deliveries.get(match[1]) ?? 0) + 1);
      }
      res.writeHead(200).end();
    });
  }
}
