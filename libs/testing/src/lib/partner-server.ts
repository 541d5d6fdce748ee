import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait-for';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  at: number;
}

export type Responder = (request: ReceivedRequest) => number | { status: number; headers?: Record<string, string>; body?: string };

/** A real HTTP endpoint standing in for a partner's webhook receiver; records everything it gets. */
export class PartnerServer {
  readonly received: ReceivedRequest[] = [];
  private responder: Responder = () => 200;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(responder?: Responder): Promise<PartnerServer> {
    const holder: { instance?: PartnerServer } = {};
    const server = createServer((req, res) => holder.instance?.handle(req, res));
    server.keepAliveTimeout = 30000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const instance = new PartnerServer(server, `http://127.0.0.1:${port}`);
    holder.instance = instance;
    if (responder) instance.respondWith(responder);
    return instance;
  }

  respondWith(responder: Responder | number): void {
    this.responder = typeof responder === 'number' ? () => responder : responder;
  }

  /** Waits until at least `count` requests arrived (optionally only those matching). */
  async waitForRequests(count: number, timeoutMs = 20000, filter?: (r: ReceivedRequest) => boolean): Promise<ReceivedRequest[]> {
    return waitFor(
      () => {
        const matching = filter ? this.received.filter(filter) : this.received;
        return matching.length >= count ? matching : undefined;
      },
      { timeoutMs, what: `${count} request(s) at ${this.url}` },
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers,
        body: Buffer.concat(chunks),
        at: Date.now(),
      };
      this.received.push(request);
      const answer = this.responder(request);
      const { status, headers: extra, body } = typeof answer === 'number' ? { status: answer, headers: {}, body: '' } : answer;
      res.writeHead(status, { 'content-type': 'application/json', ...extra });
      res.end(body ?? '{}');
    });
  }
}
