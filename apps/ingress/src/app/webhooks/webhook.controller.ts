import { Controller, Get, Headers, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { INGRESS_CONFIG, type IngressConfig } from '../../config/ingress.config';
import { WebhookPublisherService } from './webhook-publisher.service';

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

@Controller('webhooks/whatsapp')
export class WebhookController {
  constructor(
    @Inject(INGRESS_CONFIG) private readonly config: IngressConfig,
    private readonly publisher: WebhookPublisherService,
  ) {}

  /** Meta's subscription handshake: echo hub.challenge when the verify token matches. */
  @Get()
  verify(@Query() query: Record<string, string | undefined>, @Res() reply: FastifyReply): void {
    const mode = query['hub.mode'];
    const token = query['hub.verify_token'];
    const challenge = query['hub.challenge'];
    if (mode === 'subscribe' && typeof token === 'string' && typeof challenge === 'string' && sameText(token, this.config.verifyToken)) {
      void reply.status(200).header('content-type', 'text/plain; charset=utf-8').send(challenge);
      return;
    }
    void reply.status(403).send({ error: 'verification failed' });
  }

  @Post()
  @HttpCode(200)
  async receive(
    @Req() request: FastifyRequest,
    @Headers('x-hub-signature-256') signature: string | undefined,
    @Headers('traceparent') traceparent: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const outcome = await this.publisher.accept(raw, signature, traceparent);
    switch (outcome.kind) {
      case 'accepted':
        void reply.status(200).send({ status: 'accepted', events: outcome.events });
        return;
      case 'unauthenticated':
        void reply.status(401).send({ error: 'invalid or missing X-Hub-Signature-256' });
        return;
      case 'quarantined':
        void reply.status(400).send({ error: `not a WhatsApp webhook envelope: ${outcome.reason}`, quarantined: true });
        return;
      case 'unavailable':
        void reply.status(503).header('retry-after', '5').send({ error: 'event store unavailable, retry later' });
        return;
      default: {
        const exhaustive: never = outcome;
        throw new Error(`unhandled outcome ${JSON.stringify(exhaustive)}`);
      }
    }
  }
}
