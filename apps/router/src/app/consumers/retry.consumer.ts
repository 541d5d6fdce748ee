import { Inject, Injectable } from '@nestjs/common';
import type { BatchingProducer, ConsumedRecord } from '@wabridge/kafka';
import { PinoLogger } from 'nestjs-pino';
import { ROUTER_CONFIG, type RouterConfig } from '../../config/router.config';
import { DeliveryService } from '../delivery/delivery.service';
import { dueAtOf, readRetryRecord } from '../records/event-records';
import { ROUTER_KAFKA, ROUTER_PRODUCER, type KafkaClient } from '../router.tokens';
import { RouterLane } from './router-lane';

/**
 * The retry lanes: one FIFO topic per schedule step, so every topic holds records of similar delay
 * and its head is always the next one due. A head that is not due pauses its partition until it is;
 * records behind it are not looked at (they are due later, give or take the jitter).
 */
@Injectable()
export class RetryConsumer extends RouterLane {
  constructor(
    @Inject(ROUTER_KAFKA) kafka: KafkaClient,
    @Inject(ROUTER_CONFIG) config: RouterConfig,
    delivery: DeliveryService,
    @Inject(ROUTER_PRODUCER) producer: BatchingProducer,
    logger: PinoLogger,
  ) {
    super(kafka, config, delivery, producer, logger, {
      lane: 'retry',
      groupId: config.retryGroupId,
      topics: config.retryTopics,
      delayOf: (record) => {
        const due = dueAtOf(record);
        return due ? due.getTime() - Date.now() : 0;
      },
      onError: (record, error) =>
        logger.warn(
          {
            topic_lane: record.topic.slice(config.topics.retry.length + 1),
            partition: record.partition,
            offset: record.offset,
            err: { type: (error as Error)?.name, message: (error as Error)?.message },
          },
          'retry not resolved, it will be handled again',
        ),
    });
    logger.setContext(RetryConsumer.name);
  }

  protected async process(record: ConsumedRecord): Promise<void> {
    const read = readRetryRecord(record);
    if (!read.ok) return this.quarantine(record, read.reason, 'retry', 'unreadable retry record quarantined');
    await this.delivery.deliverRetry(read.value);
  }
}
