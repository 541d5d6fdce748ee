import { Controller, Get } from '@nestjs/common';

/** 360dialog's unauthenticated liveness probe for partners (operators use /health/live and /health/ready). */
@Controller('health')
export class PartnerHealthController {
  @Get()
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
