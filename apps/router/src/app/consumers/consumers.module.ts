import { type BeforeApplicationShutdown, Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { ConsumerLagMonitor, reportConsumerLagOf, stopReportingConsumerLagOf } from '@wabridge/kafka';
import { ROUTER_CONFIG, type RouterConfig } from '../../config/router.config';
import { DeliveryModule } from '../delivery/delivery.module';
import { ROUTER_KAFKA, type KafkaClient } from '../router.tokens';
import { OrderedConsumer } from './ordered.consumer';
import { RetryConsumer } from './retry.consumer';
import { WebhookConsumer } from './webhook.consumer';

/** The first-attempt lane, the retry lanes and the parking lane of ordered destinations. */
@Module({
  imports: [DeliveryModule],
  providers: [WebhookConsumer, RetryConsumer, OrderedConsumer],
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
