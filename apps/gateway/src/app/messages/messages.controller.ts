import { Controller, Get, Inject, Param, Post, type RawBodyRequest, Req, RequestMethod, Res, UseGuards } from '@nestjs/common';
import type { RouteInfo } from '@nestjs/common/interfaces';
import { ApiBody, ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import { metricsRegistry } from '@wabridge/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { Counter } from 'prom-client';
import { isObject, type JsonObject } from '@wabridge/util';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { AllowBearerKey, Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { metaError } from '../errors/api-exception';
import { GRAPH_VERSION } from '../graph-facade/graph-paths';
import { GraphErrors, GraphStyleApi, PartnerApi, rateLimited as rateLimitedAnswer, Schemas, TAGS } from '../openapi/api-docs';
import { parseJsonOrUndefined, relay } from '../graph/upstream-reply';
import { toCloudSend, toOnPremiseResponse } from './on-premise';
import { rateLimitErrorBody, SendRateLimiter } from './send-rate-limiter';
import { SendService } from './send.service';

export const SEND_RATE_LIMITER = Symbol('SEND_RATE_LIMITER');

const rateLimited = new Counter({
  name: 'wabridge_gateway_sends_rate_limited_total',
  help: 'Sends refused with 429 (130429) because the channel exceeded its throughput tier',
  registers: [metricsRegistry],
});

const CLOUD_SEND = 'messages';
const ON_PREMISE_SEND = 'v1/messages';
const GRAPH_SENDS = [':phoneNumberId/messages', ':version/:phoneNumberId/messages'];

/**
 * The partner send routes, the gateway's hot path: no per-request logger, only their failures log a line
 * (ObservabilityModule's `hotRoutes`); the /onprem base is rewritten before routing, so it is covered too.
 */
export const SEND_ROUTES: RouteInfo[] = [CLOUD_SEND, ON_PREMISE_SEND, ...GRAPH_SENDS].map((path) => ({ path, method: RequestMethod.POST }));

/** The parsed JSON object and its exact bytes; anything else is refused in Meta's shape. */
function sendBody(request: RawBodyRequest<FastifyRequest>): { parsed: JsonObject; raw: Buffer } {
  const raw = request.rawBody;
  if (!isObject(request.body) || !Buffer.isBuffer(raw)) {
    throw metaError(400, '(#100) The request body must be a JSON object');
  }
  return { parsed: request.body, raw };
}

/** Partner sends in the three dialects partners use; Meta's answers are relayed unchanged. */
@Controller()
@UseGuards(PartnerAuthGuard)
export class MessagesController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(SEND_RATE_LIMITER) private readonly rateLimiter: SendRateLimiter,
    private readonly sends: SendService,
  ) {}

  /**
   * Meta's throughput tier, enforced before Meta does: a send over the channel's budget is answered
   * 429 with Meta's own 130429 body and never reaches the Graph API. Mark-as-read calls are no
   * messages and pass. Returns false when the reply was sent.
   */
  private withinRate(channel: PartnerChannel, body: JsonObject, reply: FastifyReply): boolean {
    if (body.status === 'read') return true;
    const decision = this.rateLimiter.take(channel.channelId);
    if (decision.allowed) return true;
    rateLimited.inc();
    void reply
      .status(429)
      .header('retry-after', String(decision.retryAfterSeconds))
      .send(rateLimitErrorBody(randomBytes(9).toString('base64url')));
    return false;
  }

  /** Cloud API style (360dialog's Cloud endpoint). */
  @Post(CLOUD_SEND)
  @PartnerApi(TAGS.messages)
  @ApiOperation({
    summary: 'Send a message (Cloud API style), or mark one as read',
    description: "Forwarded to Meta byte for byte; Meta's status and body are returned unchanged.",
  })
  @ApiBody({ schema: Schemas.cloudMessage })
  @ApiResponse({ status: 200, schema: Schemas.cloudSendResponse })
  @ApiResponse({ status: 429, ...rateLimitedAnswer, schema: Schemas.metaError })
  @GraphErrors()
  async cloud(@Partner() channel: PartnerChannel, @Req() request: RawBodyRequest<FastifyRequest>, @Res() reply: FastifyReply): Promise<void> {
    const { parsed, raw } = sendBody(request);
    if (!this.withinRate(channel, parsed, reply)) return;
    relay(reply, await this.sends.send(channel, 'cloud', parsed, raw));
  }

  /** On-premise API style: converted to a Cloud send, answered in the on-premise shape. */
  @Post(ON_PREMISE_SEND)
  @PartnerApi(TAGS.messages)
  @ApiOperation({
    summary: 'Send a message (on-premise API style)',
    description: 'Adds `messaging_product`, drops template `namespace`, keeps `language.policy`; answers with `meta.api_status`.',
  })
  @ApiBody({ schema: Schemas.onPremiseMessage })
  @ApiResponse({ status: 200, schema: Schemas.onPremiseSendResponse })
  @ApiResponse({ status: 429, ...rateLimitedAnswer, schema: Schemas.metaError })
  @GraphErrors()
  async onPremise(@Partner() channel: PartnerChannel, @Req() request: RawBodyRequest<FastifyRequest>, @Res() reply: FastifyReply): Promise<void> {
    const { parsed } = sendBody(request);
    if (!this.withinRate(channel, parsed, reply)) return;
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
  @Post(GRAPH_SENDS)
  @AllowBearerKey()
  @GraphStyleApi(TAGS.messages)
  @ApiOperation({ summary: 'Send a message (Graph API path, versioned or not, for Meta SDKs)', description: "The path's number must be the key's channel." })
  @ApiParam({ name: 'phoneNumberId' })
  @ApiBody({ schema: Schemas.cloudMessage })
  @ApiResponse({ status: 200, schema: Schemas.cloudSendResponse })
  @ApiResponse({ status: 403, description: "not the key's number", schema: Schemas.metaError })
  @ApiResponse({ status: 429, ...rateLimitedAnswer, schema: Schemas.metaError })
  @GraphErrors()
  async graph(
    @Partner() channel: PartnerChannel,
    @Param('version') version: string | undefined,
    @Param('phoneNumberId') phoneNumberId: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (version !== undefined && !GRAPH_VERSION.test(version)) throw metaError(404, 'Unknown path components', 2500);
    if (phoneNumberId !== channel.phoneNumberId) {
      throw metaError(403, '(#200) The API key does not grant access to this phone number', 200);
    }
    const { parsed, raw } = sendBody(request);
    if (!this.withinRate(channel, parsed, reply)) return;
    relay(reply, await this.sends.send(channel, 'graph', parsed, raw));
  }

  /** Graph health of the key's number (`GET /{phone_number_id}?fields=health_status`). */
  @Get('health_status')
  @PartnerApi(TAGS.health)
  @ApiOperation({ summary: "Graph health status of the key's number" })
  @ApiResponse({ status: 200, schema: Schemas.healthStatus })
  @GraphErrors()
  async healthStatus(@Partner() channel: PartnerChannel, @Res() reply: FastifyReply): Promise<void> {
    relay(reply, await this.sends.healthStatus(channel));
  }
}
