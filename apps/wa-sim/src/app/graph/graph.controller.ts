import { Body, Controller, Delete, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import { metricsRegistry } from '@wabridge/observability';
import type { FastifyReply } from 'fastify';
import { Counter } from 'prom-client';
import { WebhookEmitterService } from '../webhooks/webhook-emitter.service';
import { BusinessNumbersService } from './business-numbers.service';
import { businessProfile, checkProfileUpdate, phoneNumberNode, wabaNode } from './graph-nodes';
import { GraphTokenService } from './graph-token.service';
import { unknownObjectError } from './media-payloads';
import { MediaStoreService } from './media-store.service';
import { checkSendRequest, healthStatus, invalidTokenError, metaError, newWamid, sendResponse } from './meta-payloads';
import { SentRequestsService } from './sent-requests.service';
import { TemplateStoreService } from './template-store.service';

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
    private readonly templates: TemplateStoreService,
    private readonly numbers: BusinessNumbersService,
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
    this.numbers.touch(phoneNumberId);
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
   * A Graph node, for any id the token reaches, as Meta answers it: a business number, a WABA, a
   * template or a media URL. `phone_number_id` narrows media lookups only (Meta ignores it for other
   * nodes), and `fields=health_status` is answered for any number id, known or not.
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
    const number = this.numbers.find(id);
    if (number) {
      void reply.status(200).send(phoneNumberNode(number, fields));
      return;
    }
    if (this.numbers.isWaba(id)) {
      void reply.status(200).send(wabaNode(id, fields));
      return;
    }
    if (fields === 'health_status') {
      void reply.status(200).send(healthStatus(this.numbers.numberFor(id)));
      return;
    }
    const template = this.templates.byId(id);
    if (template) {
      void reply.status(200).send(template.template);
      return;
    }
    const metadata = this.media.metadataFor(id, phoneNumberId);
    if (!metadata) {
      void reply.status(400).send(fields === undefined ? unknownObjectError(id) : metaError(100, '(#100) Unknown fields for this node'));
      return;
    }
    void reply.status(200).send(metadata);
  }

  /**
   * Deletes media (with `phone_number_id`, only that number's) or a template by id. The simulator
   * errs on the permissive side here, so tests show that the gateway never asks for another
   * tenant's object in the first place.
   */
  @Delete(':version/:id')
  remove(
    @Param('id') id: string,
    @Query('phone_number_id') phoneNumberId: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.token.authorized(authorization)) {
      void reply.status(401).send(invalidTokenError());
      return;
    }
    const template = this.templates.byId(id);
    if (template) {
      this.templates.remove(template.wabaId, template.template.name, id);
      void reply.status(200).send({ success: true });
      return;
    }
    const media = this.media.get(id);
    if (!media || (phoneNumberId !== undefined && media.phoneNumberId !== phoneNumberId)) {
      void reply.status(400).send(unknownObjectError(id));
      return;
    }
    this.media.delete(id);
    void reply.status(200).send({ success: true });
  }

  @Get(':version/:phoneNumberId/whatsapp_business_profile')
  profile(
    @Param('phoneNumberId') phoneNumberId: string,
    @Query('fields') fields: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.token.authorized(authorization)) {
      void reply.status(401).send(invalidTokenError());
      return;
    }
    void reply.status(200).send(businessProfile(this.numbers.profile(this.numbers.touch(phoneNumberId).phoneNumberId), fields));
  }

  @Post(':version/:phoneNumberId/whatsapp_business_profile')
  updateProfile(
    @Param('phoneNumberId') phoneNumberId: string,
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.token.authorized(authorization)) {
      void reply.status(401).send(invalidTokenError());
      return;
    }
    const check = checkProfileUpdate(body);
    if (!check.ok) {
      void reply.status(400).send(check.body);
      return;
    }
    this.numbers.updateProfile(this.numbers.touch(phoneNumberId).phoneNumberId, check.fields);
    void reply.status(200).send({ success: true });
  }
}
