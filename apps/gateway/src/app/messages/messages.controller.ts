import { Controller, Get, Inject, Param, Post, type RawBodyRequest, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { AllowBearerKey, Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { metaError, metaErrorBody } from '../errors/api-exception';
import type { UpstreamResult } from './graph-api.client';
import { toCloudSend, toOnPremiseResponse } from './on-premise';
import { isObject, type JsonObject } from './outbound-event';
import { SendService } from './send.service';

const GRAPH_VERSION = /^v\d+\.\d+$/;

/** The parsed JSON object and its exact bytes; anything else is refused in Meta's shape. */
function sendBody(request: RawBodyRequest<FastifyRequest>): { parsed: JsonObject; raw: Buffer } {
  const raw = request.rawBody;
  if (!isObject(request.body) || !Buffer.isBuffer(raw)) {
    throw metaError(400, '(#100) The request body must be a JSON object');
  }
  return { parsed: request.body, raw };
}

function relay(reply: FastifyReply, result: UpstreamResult): void {
  switch (result.kind) {
    case 'response':
      void reply.status(result.status).header('content-type', result.contentType).send(result.body);
      return;
    case 'unreachable':
      void reply.status(502).send(metaErrorBody('Bad gateway: the WhatsApp Graph API could not be reached', 2));
      return;
    case 'timeout':
      void reply.status(504).send(metaErrorBody('Gateway timeout: the WhatsApp Graph API did not answer in time', 2));
      return;
    default: {
      const exhaustive: never = result;
      throw new Error(`unhandled upstream result ${JSON.stringify(exhaustive)}`);
    }
  }
}

/** Partner sends in the three dialects partners use; Meta's answers are relayed unchanged. */
@Controller()
@UseGuards(PartnerAuthGuard)
export class MessagesController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly sends: SendService,
  ) {}

  /** Cloud API style (360dialog's Cloud endpoint). */
  @Post('messages')
  async cloud(@Partner() channel: PartnerChannel, @Req() request: RawBodyRequest<FastifyRequest>, @Res() reply: FastifyReply): Promise<void> {
    const { parsed, raw } = sendBody(request);
    relay(reply, await this.sends.send(channel, 'cloud', parsed, raw));
  }

  /** On-premise API style: converted to a Cloud send, answered in the on-premise shape. */
  @Post('v1/messages')
  async onPremise(
    @Partner() channel: PartnerChannel,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { parsed } = sendBody(request);
    const cloud = toCloudSend(parsed);
    const result = await this.sends.send(channel, 'on_premise', cloud, Buffer.from(JSON.stringify(cloud)));
    if (result.kind === 'response' && result.status >= 200 && result.status < 300) {
      const converted = toOnPremiseResponse(parseJsonOrUndefined(result.body), this.config.graphApi.version);
      if (converted) {
        void reply.status(result.status).send(converted);
        return;
      }
    }
    relay(reply, result);
  }

  /** Graph API style, for Meta SDKs pointed at wabridge: the path must name the key's own number. */
  @Post(':version/:phoneNumberId/messages')
  @AllowBearerKey()
  async graph(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string,
    @Param('phoneNumberId') phoneNumberId: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!GRAPH_VERSION.test(version)) throw metaError(404, 'Unknown path components', 2500);
    if (phoneNumberId !== channel.phoneNumberId) {
      throw metaError(403, '(#200) The API key does not grant access to this phone number', 200);
    }
    const { parsed, raw } = sendBody(request);
    relay(reply, await this.sends.send(channel, 'graph', parsed, raw));
  }

  /** Graph health of the key's number (`GET /{phone_number_id}?fields=health_status`). */
  @Get('health_status')
  async healthStatus(@Partner() channel: PartnerChannel, @Res() reply: FastifyReply): Promise<void> {
    relay(reply, await this.sends.healthStatus(channel));
  }
}

function parseJsonOrUndefined(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
