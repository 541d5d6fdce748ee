import { Inject, Injectable } from '@nestjs/common';
import type { BatchingProducer, ConsumedRecord } from '@wabridge/kafka';
import { PinoLogger } from 'nestjs-pino';
import { ROUTER_CONFIG, type RouterConfig } from '../../config/router.config';
import { DeliveryService } from '../delivery/delivery.service';
import { readWebhookRecord } from '../records/event-records';
import { ROUTER_KAFKA, ROUTER_PRODUCER, type KafkaClient } from '../router.tokens';
import { RouterLane } from './router-lane';

/** The first-attempt lane: whatsapp.webhooks.v1 → every current destination of the event's channel(s). */
@Injectable()
export class WebhookConsumer extends RouterLane {
  constructor(
    @Inject(ROUTER_KAFKA) kafka: KafkaClient,
    @Inject(ROUTER_CONFIG) config: RouterConfig,
    delivery: DeliveryService,
    @Inject(ROUTER_PRODUCER) producer: BatchingProducer,
    logger: PinoLogger,
  ) {
    super(kafka, config, delivery, producer, logger, {
      lane: 'first',
      groupId: config.groupId,
      topics: [config.topics.webhooks],
      // the order kept for `ordered` destinations is per partition, and the partitions may have moved
      onRebalance: () => delivery.resetOrdering(),
      onError: (record, error) =>
        logger.warn(
          { partition: record.partition, offset: record.offset, err: { type: (error as Error)?.name, message: (error as Error)?.message } },
          'event not resolved, it will be handled again',
        ),
    });
    logger.setContext(WebhookConsumer.name);
  }

  protected async process(record: ConsumedRecord): Promise<void> {
    const read = readWebhookRecord(record);
    if (!read.ok) return this.quarantine(record, read.reason, 'webhooks', 'unroutable record quarantined');
    await this.delivery.deliverFresh(read.value, { partition: record.partition, offset: record.offset });
  }
}
