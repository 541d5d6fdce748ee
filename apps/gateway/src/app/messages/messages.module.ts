import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { GraphModule } from '../graph/graph.module';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { MessagesController, SEND_RATE_LIMITER } from './messages.controller';
import { SendRateLimiter } from './send-rate-limiter';
import { OutboundPublisher } from './outbound-publisher.service';
import { OutboxRepository } from './outbox.repository';
import { SendService } from './send.service';

@Module({
  imports: [AuthModule, GraphModule],
  controllers: [MessagesController],
  providers: [
    SendService,
    OutboundPublisher,
    OutboxRepository,
    {
      provide: SEND_RATE_LIMITER,
      inject: [GATEWAY_CONFIG],
      // instances keep no shared state: each enforces its share of the number's tier, which together is
      // the tier when the balancer spreads a channel's sends evenly (or sends each key to one instance)
      useFactory: ({ sendRateLimit }: GatewayConfig) => new SendRateLimiter(sendRateLimit.perSecond / sendRateLimit.instances),
    },
  ],
  exports: [SendService],
})
export class MessagesModule {}
