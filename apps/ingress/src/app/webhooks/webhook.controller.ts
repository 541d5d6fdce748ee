import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { constantTimeEqual } from '@wabridge/util';
import { z } from 'zod';
import { INGRESS_CONFIG, type IngressConfig } from '../../config/ingress.config';

/** Meta's subscription handshake: `hub.mode=subscribe`, the verify token and a challenge to echo. */
const handshakeQuery = z.object({
  'hub.mode': z.literal('subscribe'),
  'hub.verify_token': z.string(),
  'hub.challenge': z.string(),
});

/** The GET side of Meta's webhook URL; the webhooks themselves arrive on WebhookReceiveRoute. */
@Controller('webhooks/whatsapp')
export class WebhookController {
  constructor(@Inject(INGRESS_CONFIG) private readonly config: IngressConfig) {}

  /** Meta's subscription handshake: echo hub.challenge when the verify token matches. */
  @Get()
  verify(@Query() query: unknown, @Res() reply: FastifyReply): void {
    const handshake = handshakeQuery.safeParse(query);
    if (handshake.success && constantTimeEqual(handshake.data['hub.verify_token'], this.config.verifyToken)) {
      void reply.status(200).header('content-type', 'text/plain; charset=utf-8').send(handshake.data['hub.challenge']);
      return;
    }
    void reply.status(403).send({ error: 'verification failed' });
  }
}
