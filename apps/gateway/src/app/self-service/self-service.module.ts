import { Module } from '@nestjs/common';
import { PartnerHttpService } from '@wabridge/webhook-delivery';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { AuthModule } from '../auth/auth.module';
import { DataModule } from '../data/data.module';
import { SendRateLimiter } from '../messages/send-rate-limiter';
import { PartnerDeliveriesService } from './partner-deliveries.service';
import { RecoverRequestsRepository } from './recover-requests.repository';
import { RecoverService } from './recover.service';
import { SelfServiceController, WEBHOOK_TEST_LIMITER } from './self-service.controller';
import { WEBHOOK_TEST_HTTP, WebhookTestService } from './webhook-test.service';

/** Test sends are rare and partner-triggered: a small pool is plenty. */
const TEST_CONCURRENCY = 16;

@Module({
  imports: [AuthModule, DataModule],
  controllers: [SelfServiceController],
  providers: [
    WebhookTestService,
    PartnerDeliveriesService,
    RecoverRequestsRepository,
    RecoverService,
    {
      provide: WEBHOOK_TEST_HTTP,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) =>
        new PartnerHttpService({
          timeoutMs: config.selfService.deliveryTimeoutMs,
          urlPolicy: config.webhookUrlPolicy,
          maxConcurrency: TEST_CONCURRENCY,
          maxConcurrencyPerDestination: 2,
        }),
    },
    {
      provide: WEBHOOK_TEST_LIMITER,
      inject: [GATEWAY_CONFIG],
      // per instance: a key's budget is this many tests per minute on each gateway instance
      useFactory: ({ selfService }: GatewayConfig) => new SendRateLimiter(selfService.testsPerMinute / 60, selfService.testsPerMinute),
    },
  ],
})
export class SelfServiceModule {}
