import { Body, Controller, Get, HttpCode, Post, Query, Req, type RawBodyRequest, Res } from '@nestjs/common';
import { toMetaJsonBytes } from '@wabridge/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isObject } from '@wabridge/util';
import { inboundTextWebhook, newWamid, type BusinessNumber } from '../graph/meta-payloads';
import { BusinessNumbersService } from '../graph/business-numbers.service';
import { SentRequestsService, type SentRequest } from '../graph/sent-requests.service';
import { IngressUnreachableError, WebhookEmitterService } from '../webhooks/webhook-emitter.service';

type InboundRequest = {
  phone_number_id: string;
  from: string;
  text: string;
  display_phone_number?: string;
  name?: string;
  waba_id?: string;
};

function problemOf(body: unknown, required = ['phone_number_id', 'from', 'text']): string | null {
  if (!isObject(body)) return 'body must be a JSON object';
  for (const field of required) {
    if (typeof body[field] !== 'string' || body[field].length === 0) return `${field} is required (string)`;
  }
  for (const field of ['display_phone_number', 'name', 'waba_id']) {
    if (body[field] !== undefined && typeof body[field] !== 'string') return `${field} must be a string`;
  }
  return null;
}

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
    const problem = problemOf(body, ['phone_number_id', 'waba_id']);
    if (problem) {
      void reply.status(400).send({ error: problem });
      return;
    }
    const request = body as Pick<InboundRequest, 'phone_number_id' | 'waba_id' | 'display_phone_number'>;
    const number: BusinessNumber = {
      phoneNumberId: request.phone_number_id,
      wabaId: request.waba_id as string,
      displayPhoneNumber: request.display_phone_number ?? this.numbers.numberFor(request.phone_number_id).displayPhoneNumber,
    };
    this.numbers.remember(number);
    void reply.status(200).send({ phone_number_id: number.phoneNumberId, waba_id: number.wabaId, display_phone_number: number.displayPhoneNumber });
  }

  /** Builds a realistic inbound text webhook, signs it and POSTs it to ingress. */
  @Post('inbound')
  async inbound(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const problem = problemOf(body);
    if (problem) {
      void reply.status(400).send({ error: problem });
      return;
    }
    const request = body as InboundRequest;
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

  private async forward(
    body: Buffer,
    kind: 'inbound' | 'custom',
    reply: FastifyReply,
    extra: Record<string, string>,
  ): Promise<void> {
    try {
      const status = await this.emitter.post(body, kind);
      void reply.status(200).send({ ...extra, ingress_status: status });
    } catch (error) {
      if (!(error instanceof IngressUnreachableError)) throw error;
      void reply.status(502).send({ ...extra, error: error.message, ingress_status: null });
    }
  }
}
