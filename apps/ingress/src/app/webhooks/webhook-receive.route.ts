import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebhookPublisherService } from './webhook-publisher.service';

export const WEBHOOK_PATH = '/webhooks/whatsapp';

const JSON_TYPE = 'application/json; charset=utf-8';
const UNAUTHENTICATED = JSON.stringify({ error: 'invalid or missing X-Hub-Signature-256' });
const UNAVAILABLE = JSON.stringify({ error: 'event store unavailable, retry later' });
// a webhook rarely holds more than a few changes: their replies are serialised once
const ACCEPTED = Array.from({ length: 16 }, (_, events) => JSON.stringify({ status: 'accepted', events }));

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * `POST /webhooks/whatsapp`, Meta's hot path, served as a plain Fastify route rather than a Nest
 * controller method: every request spared the Nest router's execution context, parameter
 * decorators, pipes and interceptors, and every reply a body serialised once. The raw body is the
 * Buffer the content-type parser of main.ts keeps; Fastify answers 413 beyond the body limit.
 */
@Injectable()
export class WebhookReceiveRoute implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly publisher: WebhookPublisherService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.post(WEBHOOK_PATH, (request, reply) => this.receive(request, reply));
  }

  private async receive(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const outcome = await this.publisher.accept(raw, headerOf(request, 'x-hub-signature-256'), headerOf(request, 'traceparent'));
    void reply.header('content-type', JSON_TYPE);
    switch (outcome.kind) {
      case 'accepted':
        return reply.code(200).send(ACCEPTED[outcome.events] ?? JSON.stringify({ status: 'accepted', events: outcome.events }));
      case 'unauthenticated':
        return reply.code(401).send(UNAUTHENTICATED);
      case 'quarantined':
        return reply.code(400).send(JSON.stringify({ error: `not a WhatsApp webhook envelope: ${outcome.reason}`, quarantined: true }));
      case 'unavailable':
        return reply.code(503).header('retry-after', '5').send(UNAVAILABLE);
      default: {
        const exhaustive: never = outcome;
        throw new Error(`unhandled outcome ${JSON.stringify(exhaustive)}`);
      }
    }
  }
}
