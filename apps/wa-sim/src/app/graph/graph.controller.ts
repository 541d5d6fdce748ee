import { Body, Controller, Get, Headers, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { timingSafeEqual, createHash } from 'node:crypto';
import { metricsRegistry } from '@wabridge/observability';
import type { FastifyReply } from 'fastify';
import { Counter } from 'prom-client';
import { WA_SIM_CONFIG, type WaSimConfig } from '../../config/wa-sim.config';
import { WebhookEmitterService } from '../webhooks/webhook-emitter.service';
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

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The part of Meta's Graph API that wabridge's gateway calls. */
@Controller()
export class GraphController {
  private readonly expectedToken: Buffer;

  constructor(
    @Inject(WA_SIM_CONFIG) config: WaSimConfig,
    private readonly requests: SentRequestsService,
    private readonly emitter: WebhookEmitterService,
  ) {
    this.expectedToken = digest(`Bearer ${config.graphApiToken}`);
  }

  @Post(':version/:phoneNumberId/messages')
  send(
    @Param('version') version: string,
    @Param('phoneNumberId') phoneNumberId: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.authorized(authorization)) {
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

  /** GET /{phone_number_id}?fields=health_status */
  @Get(':version/:phoneNumberId')
  node(
    @Param('phoneNumberId') phoneNumberId: string,
    @Query('fields') fields: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.authorized(authorization)) {
      void reply.status(401).send(invalidTokenError());
      return;
    }
    if (fields !== 'health_status') {
      void reply.status(400).send(metaError(100, '(#100) The simulator only serves fields=health_status'));
      return;
    }
    void reply.status(200).send(healthStatus(this.emitter.numberFor(phoneNumberId)));
  }

  private authorized(header: string | undefined): boolean {
    return header !== undefined && timingSafeEqual(digest(header), this.expectedToken);
  }
}
