import { Body, Controller, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import { metricsRegistry } from '@wabridge/observability';
import type { FastifyReply } from 'fastify';
import { Counter } from 'prom-client';
import { WebhookEmitterService } from '../webhooks/webhook-emitter.service';
import { GraphTokenService } from './graph-token.service';
import { unknownObjectError } from './media-payloads';
import { MediaStoreService } from './media-store.service';
import {
  checkSendRequest,
  healthStatus,
  invalidTokenError,
  metaError,
  newWamid,
  sendResponse,
} from './meta-payloads';
import { SentRequestsService } from './sent-requests.service';

const sends = new Counter({
  name: 'wa_sim_sends_total',
  help: 'Send requests received by the simulated Graph API, by outcome',
  labelNames: ['outcome'],
  registers: [metricsRegistry],
});

/** The part of Meta's Graph API that wabridge's gateway calls. */
@Controller()
export class GraphController {
  constructor(
    private readonly token: GraphTokenService,
    private readonly requests: SentRequestsService,
    private readonly emitter: WebhookEmitterService,
    private readonly media: MediaStoreService,
  ) {}

  @Post(':version/:phoneNumberId/messages')
  send(
    @Param('version') version: string,
    @Param('phoneNumberId') phoneNumberId: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.token.authorized(authorization)) {
      sends.inc({ outcome: 'unauthorized' });
      void reply.status(401).send(invalidTokenError());
      return;
    }
    this.requests.record({ at: new Date().toISOString(), version, phone_number_id: phoneNumberId, body });
    const check = checkSendRequest(body);
    switch (check.kind) {
      case 'error':
        sends.inc({ outcome: 'rejected' });
        void reply.status(check.status).send(check.body);
        return;
      case 'mark_read':
        sends.inc({ outcome: 'mark_read' });
        void reply.status(200).send({ success: true });
        return;
      case 'message': {
        const wamid = newWamid();
        sends.inc({ outcome: 'accepted' });
        void reply.status(200).send(sendResponse(check.to, wamid, check.templateName !== null));
        this.emitter.emitStatuses(phoneNumberId, wamid, check.to, check.templateName);
        return;
      }
      default: {
        const exhaustive: never = check;
        throw new Error(`unhandled check ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  /**
   * A Graph node: `GET /{phone_number_id}?fields=health_status`, or `GET /{media_id}` (the media URL
   * of an upload; with `phone_number_id`, only that number's).
   */
  @Get(':version/:id')
  node(
    @Param('id') id: string,
    @Query('fields') fields: string | undefined,
    @Query('phone_number_id') phoneNumberId: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.token.authorized(authorization)) {
      void reply.status(401).send(invalidTokenError());
      return;
    }
    if (fields === 'health_status') {
      void reply.status(200).send(healthStatus(this.emitter.numberFor(id)));
      return;
    }
    if (fields !== undefined) {
      void reply.status(400).send(metaError(100, '(#100) The simulator serves fields=health_status and media ids only'));
      return;
    }
    const metadata = this.media.metadataFor(id, phoneNumberId);
    if (!metadata) {
      void reply.status(400).send(unknownObjectError(id));
      return;
    }
    void reply.status(200).send(metadata);
  }
}
