import { Body, Controller, Get, HttpCode, Post, Query, Req, type RawBodyRequest, Res } from '@nestjs/common';
import { toMetaJsonBytes } from '@wabridge/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { inboundTextWebhook, newWamid, type BusinessNumber } from '../graph/meta-payloads';
import { BusinessNumbersService } from '../graph/business-numbers.service';
import { SentRequestsService, type SentRequest } from '../graph/sent-requests.service';
import { IngressUnreachableError, WebhookEmitterService } from '../webhooks/webhook-emitter.service';

const required = (field: string) => z.string({ error: `${field} is required (string)` }).min(1, `${field} is required (string)`);
const optional = (field: string) => z.string({ error: `${field} must be a string` }).optional();
const NOT_AN_OBJECT = { error: 'body must be a JSON object' };

/** `POST /sim/numbers`: required fields first, then the optional ones. */
const numberBody = z.object(
  {
    phone_number_id: required('phone_number_id'),
    waba_id: required('waba_id'),
    display_phone_number: optional('display_phone_number'),
    name: optional('name'),
  },
  NOT_AN_OBJECT,
);

/** `POST /sim/inbound`. */
const inboundBody = z.object(
  {
    phone_number_id: required('phone_number_id'),
    from: required('from'),
    text: required('text'),
    display_phone_number: optional('display_phone_number'),
    name: optional('name'),
    waba_id: optional('waba_id'),
  },
  NOT_AN_OBJECT,
);

/** Test and benchmark controls: make "Meta" send webhooks, and see what it was sent. */
@Controller('sim')
export class SimController {
  constructor(
    private readonly emitter: WebhookEmitterService,
    private readonly requests: SentRequestsService,
    private readonly numbers: BusinessNumbersService,
  ) {}

  /** Registers a business number of a WABA, as Meta holds every tenant's numbers behind one token. */
  @Post('numbers')
  numbersAdd(@Body() body: unknown, @Res() reply: FastifyReply): void {
    const parsed = numberBody.safeParse(body);
    if (!parsed.success) {
      void reply.status(400).send({ error: parsed.error.issues[0].message });
      return;
    }
    const request = parsed.data;
    const number: BusinessNumber = {
      phoneNumberId: request.phone_number_id,
      wabaId: request.waba_id,
      displayPhoneNumber: request.display_phone_number ?? this.numbers.numberFor(request.phone_number_id).displayPhoneNumber,
    };
    this.numbers.remember(number);
    void reply.status(200).send({ phone_number_id: number.phoneNumberId, waba_id: number.wabaId, display_phone_number: number.displayPhoneNumber });
  }

  /** Builds a realistic inbound text webhook, signs it and POSTs it to ingress. */
  @Post('inbound')
  async inbound(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const parsed = inboundBody.safeParse(body);
    if (!parsed.success) {
      void reply.status(400).send({ error: parsed.error.issues[0].message });
      return;
    }
    const request = parsed.data;
    const known = this.numbers.numberFor(request.phone_number_id);
    const number: BusinessNumber = {
      phoneNumberId: request.phone_number_id,
      wabaId: request.waba_id ?? known.wabaId,
      displayPhoneNumber: request.display_phone_number ?? known.displayPhoneNumber,
    };
    this.numbers.remember(number);
    const wamid = newWamid();
    const payload = inboundTextWebhook(number, { from: request.from, text: request.text, name: request.name, wamid });
    await this.forward(toMetaJsonBytes(payload), 'inbound', reply, { wamid });
  }

  /** Signs and forwards the exact request body to ingress. */
  @Post('webhook')
  async webhook(@Req() request: RawBodyRequest<FastifyRequest>, @Res() reply: FastifyReply): Promise<void> {
    const raw = request.rawBody;
    if (!raw || raw.length === 0) {
      void reply.status(400).send({ error: 'body must be JSON' });
      return;
    }
    await this.forward(raw, 'custom', reply, {});
  }

  @Get('requests')
  @HttpCode(200)
  list(@Query('phone_number_id') phoneNumberId: string | undefined): { requests: SentRequest[] } {
    return { requests: this.requests.list(phoneNumberId) };
  }

  private async forward(body: Buffer, kind: 'inbound' | 'custom', reply: FastifyReply, extra: Record<string, string>): Promise<void> {
    try {
      const status = await this.emitter.post(body, kind);
      void reply.status(200).send({ ...extra, ingress_status: status });
    } catch (error) {
      if (!(error instanceof IngressUnreachableError)) throw error;
      void reply.status(502).send({ ...extra, error: error.message, ingress_status: null });
    }
  }
}
