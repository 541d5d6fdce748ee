import { type DynamicModule, Module } from '@nestjs/common';
import type { BatchingProducer } from '@wabridge/kafka';
import { ObservabilityModule } from '@wabridge/observability';
import { ROUTER_CONFIG, type RouterConfig } from '../config/router.config';
import { ConsumersModule } from './consumers/consumers.module';
import { OrderedConsumer } from './consumers/ordered.consumer';
import { RetryConsumer } from './consumers/retry.consumer';
import { WebhookConsumer } from './consumers/webhook.consumer';
import { DeliveryRepository } from './delivery/delivery.repository';
import { ROUTER_PRODUCER } from './router.tokens';

@Module({})
export class AppModule {
  static forRoot(config: RouterConfig): DynamicModule {
    const configModule: DynamicModule = {
      module: class RouterConfigModule {},
      global: true,
      providers: [{ provide: ROUTER_CONFIG, useValue: config }],
      exports: [ROUTER_CONFIG],
    };
    return {
      module: AppModule,
      imports: [
        configModule,
        ObservabilityModule.forRoot({
          service: 'router',
          metricsToken: config.metricsToken,
          logLevel: config.logLevel,
          imports: [ConsumersModule],
          readiness: {
            inject: [ROUTER_PRODUCER, WebhookConsumer, RetryConsumer, OrderedConsumer, DeliveryRepository],
            useFactory: (
              producer: BatchingProducer,
              webhooks: WebhookConsumer,
              retries: RetryConsumer,
              ordered: OrderedConsumer,
              store: DeliveryRepository,
            ) => [
              {
                name: 'kafka',
                check: () => producer.isConnected && webhooks.isHealthy && retries.isHealthy && ordered.isHealthy,
              },
              { name: 'postgres', check: () => store.ping() },
            ],
          },
        }),
        ConsumersModule,
      ],
    };
  }
}
