import { type BeforeApplicationShutdown, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { BatchingProducer } from '@wabridge/kafka';
import { PinoLogger } from 'nestjs-pino';
import { ROUTER_CONFIG, type RouterConfig } from '../../config/router.config';
import { DeliveryModule, ROUTER_KAFKA, ROUTER_PRODUCER } from '../delivery/delivery.module';
import { DeliveryService } from '../delivery/delivery.service';
import type { KafkaClient } from './lane.consumer';
import { RetryConsumer } from './retry.consumer';
import { WebhookConsumer } from './webhook.consumer';

const consumerDeps = [ROUTER_KAFKA, ROUTER_CONFIG, DeliveryService, ROUTER_PRODUCER, PinoLogger];

/** The first-attempt lane and the retry lanes. */
@Module({
  imports: [DeliveryModule],
  providers: [
    {
      provide: WebhookConsumer,
      inject: consumerDeps,
      useFactory: (kafka: KafkaClient, config: RouterConfig, delivery: DeliveryService, producer: BatchingProducer, logger: PinoLogger) => {
        logger.setContext('WebhookConsumer');
        return new WebhookConsumer(kafka, config, delivery, producer, logger);
      },
    },
    {
      provide: RetryConsumer,
      inject: consumerDeps,
      useFactory: (kafka: KafkaClient, config: RouterConfig, delivery: DeliveryService, producer: BatchingProducer, logger: PinoLogger) => {
        logger.setContext('RetryConsumer');
        return new RetryConsumer(kafka, config, delivery, producer, logger);
      },
    },
  ],
  exports: [DeliveryModule, WebhookConsumer, RetryConsumer],
})
export class ConsumersModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly webhooks: WebhookConsumer,
    private readonly retries: RetryConsumer,
  ) {}

  /** Consumers start once Kafka, Postgres and the topics are ready (DeliveryModule.onModuleInit). */
  async onApplicationBootstrap(): Promise<void> {
    await Promise.all([this.webhooks.start(), this.retries.start()]);
  }

  /** In-flight batches finish (their offsets are committed) or stay uncommitted and are handled again. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.webhooks.stop(), this.retries.stop()]);
  }
}
