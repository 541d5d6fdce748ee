import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import type { Page } from '../deliveries/deliveries.service';
import { apiError, type ApiException } from '../errors/api-exception';
import type { SendRateLimiter } from '../messages/send-rate-limiter';
import { multiWebhookError } from '../multi-webhook/multi-webhook.service';
import { PartnerApi, Schemas, TAGS } from '../openapi/api-docs';
import { parseInput } from '../operator/operator-requests';
import { PartnerDeliveriesService, type PartnerDeliveryView, type WebhookStats } from './partner-deliveries.service';
import { RecoverLimitError, RecoverService, type RecoverAnswer } from './recover.service';
import { DELIVERY_ROW_STATES, parseRecoverRequest, partnerDeliveriesSchema } from './self-service-requests';
import { WebhookTestService, type TestTarget, type WebhookTestAnswer } from './webhook-test.service';

export const WEBHOOK_TEST_LIMITER = Symbol('WEBHOOK_TEST_LIMITER');

/**
 * Partner self-service beyond 360dialog: test sends, the channel's deliveries, their stats and
 * recovering failed events. Every answer concerns the key's own channel and carries metadata only.
 */
@Controller()
@UseGuards(PartnerAuthGuard)
@PartnerApi(TAGS.selfService)
export class SelfServiceController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(WEBHOOK_TEST_LIMITER) private readonly testLimiter: SendRateLimiter,
    private readonly tests: WebhookTestService,
    private readonly deliveries: PartnerDeliveriesService,
    private readonly recovers: RecoverService,
  ) {}

  @Post('v1/deliveries/recover')
  @HttpCode(202)
  @ApiOperation({
    summary: "Deliver the channel's failed events of a window again now, to the destination bound now",
    description:
      'Events received in [since, until) that did not reach a slot (dead-lettered, still retrying, or dropped by a 410) are queued for the slot that is bound now ' +
      '(all bound slots, or only `destination`), keeping their original `webhook-id`. At most `RECOVER_PER_HOUR` per key per hour; ' +
      'the window at most `RECOVER_MAX_WINDOW_HOURS`.',
  })
  @ApiBody({ schema: Schemas.recoverRequest })
  @ApiResponse({ status: 202, description: 'how many were queued', schema: Schemas.recoverAnswer })
  @ApiResponse({ status: 400, description: 'a bad date, a reversed window or one over the cap', schema: Schemas.apiError })
  @ApiResponse({ status: 404, description: 'nothing bound (under `destination`)', schema: Schemas.apiError })
  @ApiResponse({
    status: 429,
    description: 'more than `RECOVER_PER_HOUR` recovers with this key in the last hour; `Retry-After` says when',
    schema: Schemas.apiError,
  })
  @ApiResponse({ status: 503, description: 'Kafka could not be read or written; nothing was counted', schema: Schemas.apiError })
  async recover(@Partner() channel: PartnerChannel, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<RecoverAnswer> {
    const parsed = parseRecoverRequest(body, new Date(), this.config.selfService.recoverMaxWindowMs);
    if (!parsed.ok) throw apiError(400, parsed.error);
    try {
      return await this.recovers.recover(channel, parsed.value);
    } catch (error) {
      if (error instanceof RecoverLimitError) void reply.header('retry-after', String(error.retryAfterSeconds));
      throw error;
    }
  }

  @Get('v1/deliveries')
  @ApiOperation({
    summary: "The channel's deliveries that needed more than one attempt or did not arrive, newest activity first",
    description:
      'One entry per event and destination slot: state, attempts, last status code or error class, latency, next attempt. ' +
      'Events delivered at their first attempt are counted in the stats, not listed. Metadata only, never payloads.',
  })
  @ApiQuery({ name: 'state', required: false, enum: DELIVERY_ROW_STATES })
  @ApiQuery({ name: 'since', required: false, description: 'received at or after (ISO 8601)' })
  @ApiQuery({ name: 'until', required: false, description: 'received before (ISO 8601)' })
  @ApiQuery({ name: 'destination', required: false, description: '`primary` or a /multi_webhook name' })
  @ApiQuery({ name: 'event_id', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1-200, default 50' })
  @ApiResponse({ status: 200, schema: Schemas.partnerDeliveries })
  @ApiResponse({ status: 400, description: 'bad state, date, window, cursor or limit', schema: Schemas.apiError })
  list(@Partner() channel: PartnerChannel, @Query() query: Record<string, string>): Promise<Page<PartnerDeliveryView>> {
    return this.deliveries.list(channel, parseInput(partnerDeliveriesSchema, query));
  }

  @Get('v1/configs/webhook/stats')
  @ApiOperation({
    summary: 'Per destination over the last 24 h: attempts, success ratio, p50/p99 latency, last error class, breaker state',
    description:
      'Attempts are the delivery attempts made, retries included (events an open breaker held back are not attempts). Latency percentiles are histogram bucket bounds, capped at the slowest attempt.',
  })
  @ApiResponse({ status: 200, schema: Schemas.webhookStats })
  stats(@Partner() channel: PartnerChannel): Promise<WebhookStats> {
    return this.deliveries.stats(channel);
  }

  @Post('v1/configs/webhook/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send one signed sample event to the primary webhook now',
    description:
      "A Meta-shaped `messages` change for the channel's own number, `webhook-id` starting `evt_test_`, signed and sent like a real " +
      'delivery (same timeout, no redirects, same URL safety). Never written to Kafka, never metered, never retried.',
  })
  @ApiResponse({ status: 200, description: 'what the endpoint did', schema: Schemas.webhookTestAnswer })
  @ApiResponse({ status: 404, description: 'no primary webhook bound', schema: Schemas.apiError })
  @ApiResponse({ status: 429, description: 'more than `WEBHOOK_TEST_PER_MINUTE` tests with this key; `Retry-After` says when', schema: Schemas.apiError })
  async testPrimary(@Partner() channel: PartnerChannel, @Res({ passthrough: true }) reply: FastifyReply): Promise<WebhookTestAnswer> {
    return this.test(channel, reply, { kind: 'primary' }, apiError, () => apiError(404, 'no webhook configured'));
  }

  @Post('multi_webhook/:name/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send one signed sample event to one /multi_webhook destination now',
    description: 'As `POST /v1/configs/webhook/test`, for the named extra destination.',
  })
  @ApiParam({ name: 'name' })
  @ApiResponse({ status: 200, description: 'what the endpoint did', schema: Schemas.webhookTestAnswer })
  @ApiResponse({ status: 404, description: 'no destination of that name', schema: Schemas.multiWebhookError })
  @ApiResponse({ status: 429, description: 'more than `WEBHOOK_TEST_PER_MINUTE` tests with this key', schema: Schemas.multiWebhookError })
  async testExtra(
    @Partner() channel: PartnerChannel,
    @Param('name') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookTestAnswer> {
    return this.test(channel, reply, { kind: 'extra', name }, multiWebhookError, () => multiWebhookError(404, `no destination named "${name}"`));
  }

  private async test(
    channel: PartnerChannel,
    reply: FastifyReply,
    target: TestTarget,
    error: (status: number, message: string) => ApiException,
    notBound: () => ApiException,
  ): Promise<WebhookTestAnswer> {
    const decision = this.testLimiter.take(channel.keyId);
    if (!decision.allowed) {
      void reply.header('retry-after', String(decision.retryAfterSeconds));
      throw error(
        429,
        `too many webhook tests: at most ${this.config.selfService.testsPerMinute} per minute per key; retry in ${decision.retryAfterSeconds} s`,
      );
    }
    const answer = await this.tests.test(channel, target);
    if (!answer) throw notBound();
    return answer;
  }
}
