import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isWellFormedMetaSignature } from '@wabridge/webhook-security';
import { receiverRefusals, type AcceptOutcome, type WebhookPublisherService } from './webhook-publisher.service';

export const WEBHOOK_PATH = '/webhooks/whatsapp';

type Reply = [status: number, body: string];

const reply = (status: number, body: object): Reply => [status, JSON.stringify(body)];
const UNAUTHENTICATED = reply(401, { error: 'invalid or missing X-Hub-Signature-256' });
const UNAVAILABLE = reply(503, { error: 'event store unavailable, retry later' });
const TOO_LARGE = reply(413, { error: 'body larger than the 3 MB limit' });
const BUSY = reply(503, { error: 'too many webhooks in progress, retry later' });
const FAILED = reply(500, { error: 'internal error' });
// an over-limit body up to this many times the limit is read and dropped after the 413; beyond, the connection closes
const DRAIN_FACTOR = 4;
// a webhook rarely holds more than a few changes: those replies are serialised once
const ACCEPTED = Array.from({ length: 16 }, (_, events) => reply(200, { status: 'accepted', events }));

function replyOf(outcome: AcceptOutcome): Reply {
  switch (outcome.kind) {
    case 'accepted':
      return ACCEPTED[outcome.events] ?? reply(200, { status: 'accepted', events: outcome.events });
    case 'unauthenticated':
      return UNAUTHENTICATED;
    case 'quarantined':
      return reply(400, { error: `not a WhatsApp webhook envelope: ${outcome.reason}`, quarantined: true });
    case 'unavailable':
      return UNAVAILABLE;
    default: {
      const exhaustive: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(exhaustive)}`);
    }
  }
}

function send(res: ServerResponse, [status, body]: Reply, extra: string[] = []): void {
  res.writeHead(status, ['content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body)), ...extra]);
  res.end(body);
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * `POST /webhooks/whatsapp`, Meta's hot path, served on node:http directly in front of Fastify
 * (through Fastify's serverFactory): no router, hooks, middleware chain, content-type parser or
 * reply pipeline per webhook, only what the bare node:http baseline of the benchmark does plus the
 * publisher's work. Every other request (the GET handshake, health, metrics) goes to Fastify and
 * Nest as before. The raw body is kept as the bytes received; over the limit the answer is 413.
 */
export class WebhookReceiver {
  private publisher: WebhookPublisherService | undefined;
  private onFailure: (error: unknown) => void = () => undefined;
  /** bytes of webhook bodies held right now: being read, or waiting for Kafka */
  private held = 0;

  /**
   * @param bodyLimit one webhook's largest body (413 beyond)
   * @param maxBytesHeld all webhook bodies held at once; beyond it, a webhook is answered 503 (Meta
   *   retries) rather than read, so a flood of large or slow bodies cannot exhaust memory
   */
  constructor(
    private readonly bodyLimit: number,
    private readonly maxBytesHeld: number = Number.POSITIVE_INFINITY,
  ) {}

  get bytesHeld(): number {
    return this.held;
  }

  /**
   * The publisher, once Nest has built it (until then requests go to Fastify, but nothing listens
   * yet), and where an unexpected failure is reported (it gets a 500).
   */
  attach(publisher: WebhookPublisherService, onFailure: (error: unknown) => void): void {
    this.publisher = publisher;
    this.onFailure = onFailure;
  }

  /** A request listener that takes the webhooks and hands everything else to `next` (Fastify's). */
  listener(next: RequestListener): RequestListener {
    return (req, res) => {
      const url = req.url ?? '';
      if (req.method === 'POST' && this.publisher && (url === WEBHOOK_PATH || url.startsWith(`${WEBHOOK_PATH}?`))) {
        this.receive(req, res, this.publisher);
      } else {
        next(req, res);
      }
    };
  }

  private receive(req: IncomingMessage, res: ServerResponse, publisher: WebhookPublisherService): void {
    const signature = headerOf(req, 'x-hub-signature-256');
    // no body is read for a request that cannot be Meta's: the answer comes first, the connection closes
    if (!isWellFormedMetaSignature(signature)) {
      send(res, UNAUTHENTICATED, ['connection', 'close']);
      return;
    }
    if (Number(req.headers['content-length']) > this.bodyLimit) {
      this.refuseTooLarge(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.held -= size;
    };
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      this.held += chunk.length;
      if (size > this.bodyLimit || this.held > this.maxBytesHeld) {
        refused = true;
        chunks.length = 0;
        release();
        if (size > this.bodyLimit) this.refuseTooLarge(req, res);
        else this.refuseBusy(res);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      publisher.accept(raw, signature, headerOf(req, 'traceparent')).then(
        (outcome) => {
          release();
          send(res, replyOf(outcome), outcome.kind === 'unavailable' ? ['retry-after', '5'] : []);
        },
        (error: unknown) => {
          release();
          receiverRefusals.failed.inc();
          this.onFailure(error);
          send(res, FAILED);
        },
      );
    });
    req.on('error', () => {
      release();
      res.destroy();
    });
    req.on('close', () => {
      // a client gone before the end: nothing is held for it any more
      if (!req.complete) release();
    });
  }

  /** Answers 503 (Meta retries) and closes the connection without reading the rest. */
  private refuseBusy(res: ServerResponse): void {
    if (!res.headersSent) send(res, BUSY, ['retry-after', '5', 'connection', 'close']);
  }

  /**
   * Answers 413 at once and reads (and drops) the rest, so that the client can finish writing and read
   * the answer: closing the connection under a client still sending resets it, and the client sees
   * EPIPE/ECONNRESET instead of the 413. Only a body announced or grown beyond DRAIN_FACTOR times the
   * limit has its connection closed.
   */
  private refuseTooLarge(req: IncomingMessage, res: ServerResponse): void {
    receiverRefusals.tooLarge.inc();
    const drainable = this.bodyLimit * DRAIN_FACTOR;
    if (Number(req.headers['content-length']) > drainable) {
      send(res, TOO_LARGE, ['connection', 'close']);
      return;
    }
    send(res, TOO_LARGE);
    let dropped = 0;
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > drainable) req.socket.destroy();
    });
    req.resume();
  }
}
