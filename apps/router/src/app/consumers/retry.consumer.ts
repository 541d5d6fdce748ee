import type { BatchingProducer, ConsumedRecord } from '@wabridge/kafka';
import type { PinoLogger } from 'nestjs-pino';
import type { RouterConfig } from '../../config/router.config';
import type { DeliveryService } from '../delivery/delivery.service';
import { dueAtOf, quarantineRecord, readRetryRecord } from '../delivery/event-records';
import { recordsQuarantined } from '../delivery/router-metrics';
import { LaneConsumer, type KafkaClient } from './lane.consumer';

/**
 * The retry lanes: one FIFO topic per schedule step, so every topic holds records of similar delay
 * and its head is always the next one due. A head that is not due pauses its partition until it is;
 * records behind it are not looked at (they are due later, give or take the jitter).
 */
export class RetryConsumer {
  private readonly lane: LaneConsumer;

  constructor(
    kafka: KafkaClient,
    private readonly config: RouterConfig,
    private readonly delivery: DeliveryService,
    private readonly producer: BatchingProducer,
    private readonly logger: PinoLogger,
  ) {
    this.lane = new LaneConsumer(kafka, {
      lane: 'retry',
      groupId: config.retryGroupId,
      topics: config.retryTopics,
      logger: logger.logger,
      delayOf: (record) => {
        const due = dueAtOf(record);
        return due ? due.getTime() - Date.now() : 0;
      },
      process: (record) => this.process(record),
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
      drainMs: config.deliveryTimeoutMs + 2000,
      failureBackoffMs: 1000,
    });
  }

  get isHealthy(): boolean {
    return this.lane.isHealthy;
  }

  start(): Promise<void> {
    return this.lane.start();
  }

  stop(): Promise<void> {
    return this.lane.stop(this.config.deliveryTimeoutMs + 2000);
  }

  private async process(record: ConsumedRecord): Promise<void> {
    const read = readRetryRecord(record);
    if (!read.ok) {
      await this.producer.send(this.config.topics.quarantine, [quarantineRecord(record, read.reason, new Date())]);
      recordsQuarantined.inc({ topic_kind: 'retry' });
      this.logger.warn({ partition: record.partition, offset: record.offset, reason: read.reason }, 'unreadable retry record quarantined');
      return;
    }
    await this.delivery.deliverRetry(read.value);
  }
}
