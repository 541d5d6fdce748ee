import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { constantTimeEqual } from '@wabridge/util';
import { INGRESS_CONFIG, type IngressConfig } from '../../config/ingress.config';

/** The GET side of Meta's webhook URL; the webhooks themselves arrive on WebhookReceiveRoute. */
@Controller('webhooks/whatsapp')
export class WebhookController {
  constructor(@Inject(INGRESS_CONFIG) private readonly config: IngressConfig) {}

  /** Meta's subscription handshake: echo hub.challenge when the verify token matches. */
  @Get()
  verify(@Query() query: Record<string, string | undefined>, @Res() reply: FastifyReply): void {
    const mode = query['hub.mode'];
    const token = query['hub.verify_token'];
    const challenge = query['hub.challenge'];
    if (mode === 'subscribe' && typeof token === 'string' && typeof challenge === 'string' && constantTimeEqual(token, this.config.verifyToken)) {
      void reply.status(200).header('content-type', 'text/plain; charset=utf-8').send(challenge);
      return;
    }
    void reply.status(403).send({ error: 'verification failed' });
  }
}
