import { Module } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { DataModule } from '../data/data.module';
import { SendRateLimiter } from '../messages/send-rate-limiter';
import { AdminAuthGuard } from './admin-auth.guard';
import { PARTNER_RATE_LIMITER, PartnerAuthGuard } from './partner-auth.guard';
import { PartnerAuthService } from './partner-auth.service';

@Module({
  imports: [DataModule],
  providers: [
    PartnerAuthService,
    PartnerAuthGuard,
    AdminAuthGuard,
    {
      provide: PARTNER_RATE_LIMITER,
      inject: [GATEWAY_CONFIG],
      // one bucket per key on this instance, a burst of two seconds' worth
      useFactory: ({ partnerRateLimitPerSecond }: GatewayConfig) => new SendRateLimiter(partnerRateLimitPerSecond, partnerRateLimitPerSecond * 2),
    },
  ],
  exports: [PartnerAuthService, PartnerAuthGuard, AdminAuthGuard, PARTNER_RATE_LIMITER],
})
export class AuthModule {}
