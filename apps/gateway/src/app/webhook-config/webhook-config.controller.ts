import { Body, Controller, Delete, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { apiError } from '../errors/api-exception';
import { WebhookConfigService, type WebhookBinding } from './webhook-config.service';

/** 360dialog's /v1/configs/webhook: the partner holding the key binds itself to the channel. */
@Controller('v1/configs/webhook')
@UseGuards(PartnerAuthGuard)
export class WebhookConfigController {
  constructor(private readonly webhooks: WebhookConfigService) {}

  /** Exactly 200 with `{url, headers}` as 360dialog answers, plus the secret to verify our signatures. */
  @Post()
  @HttpCode(200)
  bind(@Partner() channel: PartnerChannel, @Body() body: unknown): Promise<WebhookBinding & { signing_secret: string }> {
    return this.webhooks.bind(channel, body);
  }

  @Get()
  async current(@Partner() channel: PartnerChannel): Promise<WebhookBinding> {
    const binding = await this.webhooks.current(channel);
    if (!binding) throw apiError(404, 'no webhook configured');
    return binding;
  }

  @Delete()
  @HttpCode(200)
  async unbind(@Partner() channel: PartnerChannel): Promise<Record<string, never>> {
    await this.webhooks.unbind(channel);
    return {};
  }
}
