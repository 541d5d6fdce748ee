import { Body, Controller, Delete, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import { viaOnPremiseBase } from '../onprem/onprem-base';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { PartnerApi, Schemas, TAGS } from '../openapi/api-docs';
import { WebhookConfigService, type WebhookBinding } from './webhook-config.service';

/** 360dialog's /v1/configs/webhook: the partner holding the key binds itself to the channel. */
@Controller('v1/configs/webhook')
@UseGuards(PartnerAuthGuard)
@PartnerApi(TAGS.webhook)
export class WebhookConfigController {
  constructor(private readonly webhooks: WebhookConfigService) {}

  /** Exactly 200 with `{url, headers}` as 360dialog answers, plus the secret to verify our signatures. */
  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Bind the primary webhook (last writer wins)',
    description:
      'The primary webhook of the key\'s partner slot: on a number with several slots each key binds its own, and every slot receives every event. Answers exactly 200, echoing `{url, headers}`, plus the signing secret of our Standard Webhooks signature. Through the `/onprem` base path (`/onprem/v1/configs/webhook`) the on-premise body shape is the default; an explicit `on_premise_format` wins. An empty `url` unbinds (what n8n\'s trigger posts back on a number that had nothing bound) and answers `{"url": "", "headers": {}}`.',
  })
  @ApiBody({ schema: Schemas.webhookBinding })
  @ApiResponse({ status: 200, schema: Schemas.webhookBindingAnswer })
  @ApiResponse({ status: 400, description: 'unsafe URL or headers', schema: Schemas.apiError })
  async bind(@Partner() channel: PartnerChannel, @Body() body: unknown, @Req() request: FastifyRequest): Promise<WebhookBinding & { signing_secret?: string }> {
    // An empty url restores "nothing bound": n8n's trigger, deactivated on a number that had no webhook before it,
    // posts back the empty url it read from GET. The answer is what GET answers for an unbound number.
    if (typeof body === 'object' && body !== null && (body as { url?: unknown }).url === '') {
      await this.webhooks.unbind(channel);
      return { url: '', headers: {} };
    }
    // through /onprem the on-premise body shape is the default: the clients there parse nothing else
    return this.webhooks.bind(channel, body, viaOnPremiseBase(request));
  }

  /**
   * Nothing bound answers 200 with an empty url, as 360dialog does: clients such as n8n's trigger
   * read the binding before making their own and fail on any non-2xx.
   */
  @Get()
  @ApiOperation({ summary: 'The current primary webhook', description: 'With nothing bound: 200 `{"url": "", "headers": {}}`.' })
  @ApiResponse({ status: 200, schema: Schemas.webhookBindingAnswer })
  async current(@Partner() channel: PartnerChannel): Promise<WebhookBinding> {
    return (await this.webhooks.current(channel)) ?? { url: '', headers: {} };
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({ summary: 'Unbind the primary webhook' })
  @ApiResponse({ status: 200, schema: { type: 'object' } })
  async unbind(@Partner() channel: PartnerChannel): Promise<Record<string, never>> {
    await this.webhooks.unbind(channel);
    return {};
  }
}
