import { type BeforeApplicationShutdown, Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { ConsumerLagMonitor, reportConsumerLagOf, stopReportingConsumerLagOf, type BatchingProducer } from '@wabridge/kafka';
import { PinoLogger } from 'nestjs-pino';
import { ROUTER_CONFIG, type RouterConfig } from '../../config/router.config';
import { DeliveryModule, ROUTER_KAFKA, ROUTER_PRODUCER } from '../delivery/delivery.module';
import { DeliveryService } from '../delivery/delivery.service';
import type { KafkaClient } from './lane.consumer';
import { OrderedConsumer } from './ordered.consumer';
import { OrderedParkingRepository } from '../ordered/ordered-parking.repository';
import { RetryConsumer } from './retry.consumer';
import { WebhookConsumer } from './webhook.consumer';

const consumerDeps = [ROUTER_KAFKA, ROUTER_CONFIG, DeliveryService, ROUTER_PRODUCER, PinoLogger];

/** The first-attempt lane, the retry lanes and the parking lane of ordered destinations. */
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
    {
      provide: OrderedConsumer,
      inject: [...consumerDeps, OrderedParkingRepository],
      useFactory: (
        kafka: KafkaClient,
        config: RouterConfig,
        delivery: DeliveryService,
        producer: BatchingProducer,
        logger: PinoLogger,
        parking: OrderedParkingRepository,
      ) => {
        logger.setContext('OrderedConsumer');
        return new OrderedConsumer(kafka, config, delivery, parking, producer, logger, {
          bufferPerPair: config.orderedBufferPerPair,
          failureBackoffMs: 1000,
        });
      },
    },
  ],
  exports: [DeliveryModule, WebhookConsumer, RetryConsumer, OrderedConsumer],
})
export class ConsumersModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** the three groups' lag per partition, as the broker sees it (wabridge_kafka_consumer_lag) */
  private readonly lag: ConsumerLagMonitor;

  constructor(
    private readonly webhooks: WebhookConsumer,
    private readonly retries: RetryConsumer,
    private readonly ordered: OrderedConsumer,
    @Inject(ROUTER_KAFKA) kafka: KafkaClient,
    @Inject(ROUTER_CONFIG) config: RouterConfig,
  ) {
    this.lag = new ConsumerLagMonitor(kafka, [
      { groupId: config.groupId, topics: [config.topics.webhooks] },
      { groupId: config.retryGroupId, topics: config.retryTopics },
      { groupId: config.orderedGroupId, topics: [config.topics.ordered] },
    ]);
  }

  /** Consumers start once Kafka, Postgres and the topics are ready (DeliveryModule.onModuleInit). */
  async onApplicationBootstrap(): Promise<void> {
    await Promise.all([this.webhooks.start(), this.retries.start(), this.ordered.start()]);
    reportConsumerLagOf(this.lag);
  }

  /** In-flight batches finish (their offsets are committed) or stay uncommitted and are handled again. */
  async beforeApplicationShutdown(): Promise<void> {
    stopReportingConsumerLagOf(this.lag);
    await Promise.all([this.webhooks.stop(), this.retries.stop(), this.ordered.stop(), this.lag.stop()]);
  }
}
