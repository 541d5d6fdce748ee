import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import { PartnerApi, TAGS } from '../openapi/api-docs';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { DeliveriesService } from './deliveries.service';

/**
 * The partner rotates its own signing secret: unlike a rebinding (which always starts with a fresh
 * secret only), the previous secret keeps signing for 24 h next to the new one.
 */
@PartnerApi(TAGS.webhook)
@Controller('v1/configs/webhook')
@UseGuards(PartnerAuthGuard)
export class SecretRotationController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Post('rotate-secret')
  @ApiOperation({ summary: 'A new signing secret for the primary webhook; the previous one keeps signing for 24 h' })
  @HttpCode(200)
  rotate(@Partner() channel: PartnerChannel): Promise<{ signing_secret: string; previous_secret_expires_at: string }> {
    return this.deliveries.rotateSecret(channel);
  }
}
