import { Body, Controller, Delete, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { apiError } from '../errors/api-exception';
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
  @ApiOperation({ summary: 'Bind the primary webhook (last writer wins)', description: 'Answers exactly 200, echoing `{url, headers}`, plus the signing secret of our Standard Webhooks signature.' })
  @ApiBody({ schema: Schemas.webhookBinding })
  @ApiResponse({ status: 200, schema: Schemas.webhookBindingAnswer })
  @ApiResponse({ status: 400, description: 'unsafe URL or headers', schema: Schemas.apiError })
  bind(@Partner() channel: PartnerChannel, @Body() body: unknown): Promise<WebhookBinding & { signing_secret: string }> {
    return this.webhooks.bind(channel, body);
  }

  @Get()
  @ApiOperation({ summary: 'The current primary webhook' })
  @ApiResponse({ status: 200, schema: Schemas.webhookBindingAnswer })
  @ApiResponse({ status: 404, description: 'none bound', schema: Schemas.apiError })
  async current(@Partner() channel: PartnerChannel): Promise<WebhookBinding> {
    const binding = await this.webhooks.current(channel);
    if (!binding) throw apiError(404, 'no webhook configured');
    return binding;
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
