import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import { Partner, PartnerAuthGuard } from '../auth/partner-auth.guard';
import type { PartnerChannel } from '../auth/partner-auth.service';
import { apiError } from '../errors/api-exception';
import { PartnerApi, Schemas, TAGS } from '../openapi/api-docs';
import { SecretRotationService, type RotatedSecret } from './secret-rotation.service';

/**
 * The partner rotates its own signing secret: unlike a rebinding (which always starts with a fresh
 * secret only), the previous secret keeps signing for 24 h next to the new one.
 */
@PartnerApi(TAGS.webhook)
@Controller('v1/configs/webhook')
@UseGuards(PartnerAuthGuard)
export class SecretRotationController {
  constructor(private readonly rotation: SecretRotationService) {}

  @Post('rotate-secret')
  @ApiOperation({ summary: 'A new signing secret for the primary webhook; the previous one keeps signing for 24 h' })
  @HttpCode(200)
  @ApiResponse({ status: 200, schema: Schemas.rotatedSecret })
  @ApiResponse({ status: 404, description: 'no webhook bound, or it was disabled after a 410 Gone', schema: Schemas.apiError })
  async rotate(@Partner() channel: PartnerChannel): Promise<RotatedSecret> {
    const outcome = await this.rotation.rotate(channel, { kind: 'primary' });
    if (!outcome.rotated) throw apiError(404, 'no webhook configured');
    return outcome.secret;
  }
}
