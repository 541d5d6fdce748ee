import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { TAGS } from '../openapi/api-docs';

/** 360dialog's unauthenticated liveness probe for partners (operators use /health/live and /health/ready). */
@Controller('health')
@ApiTags(TAGS.health)
export class PartnerHealthController {
  @Get()
  @ApiOperation({ summary: 'Liveness, without a key' })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' } } } })
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
