import type { BatchingProducer, ConsumedRecord } from '@wabridge/kafka';
import type { PinoLogger } from 'nestjs-pino';
import type { RouterConfig } from '../../config/router.config';
import type { DeliveryService } from '../delivery/delivery.service';
import { quarantineRecord, readWebhookRecord } from '../delivery/event-records';
import { recordsQuarantined } from '../delivery/router-metrics';
import { LaneConsumer, type KafkaClient } from './lane.consumer';

/** The first-attempt lane: whatsapp.webhooks.v1 → every current destination of the event's channel(s). */
export class WebhookConsumer {
  private readonly lane: LaneConsumer;

  constructor(
    kafka: KafkaClient,
    private readonly config: RouterConfig,
    private readonly delivery: DeliveryService,
    private readonly producer: BatchingProducer,
    private readonly logger: PinoLogger,
  ) {
    this.lane = new LaneConsumer(kafka, {
      lane: 'first',
      groupId: config.groupId,
      topics: [config.topics.webhooks],
      logger: logger.logger,
      process: (record) => this.process(record),
      onError: (record, error) =>
        logger.warn(
          { partition: record.partition, offset: record.offset, err: { type: (error as Error)?.name, message: (error as Error)?.message } },
          'event not resolved, it will be handled again',
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
    const read = readWebhookRecord(record);
    if (!read.ok) {
      await this.producer.send(this.config.topics.quarantine, [quarantineRecord(record, read.reason, new Date())]);
      recordsQuarantined.inc({ topic_kind: 'webhooks' });
      this.logger.warn({ partition: record.partition, offset: record.offset, reason: read.reason }, 'unroutable record quarantined');
      return;
    }
    await this.delivery.deliverFresh(read.value, `${record.partition}:${record.offset}`);
  }
}
