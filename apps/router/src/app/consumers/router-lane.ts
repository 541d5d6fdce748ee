import {
  consumeSpanAttributes,
  LaneConsumer,
  quarantineConsumedRecord,
  traceContextOf,
  type BatchingProducer,
  type ConsumedRecord,
  type KafkaClient,
  type LaneConsumerOptions,
} from '@wabridge/kafka';
import { linkTo, SpanKind, traced, tracingOn } from '@wabridge/observability';
import type { PinoLogger } from 'nestjs-pino';
import type { RouterConfig } from '../../config/router.config';
import type { DeliveryService } from '../delivery/delivery.service';
import { recordConsumerLag, recordsQuarantined } from '../metrics/router-metrics';

/** What a router lane says about itself besides the LaneConsumer's options. */
export interface RouterLaneOptions extends Omit<LaneConsumerOptions, 'process' | 'logger' | 'drainMs' | 'failureBackoffMs' | 'onBatchEnd'> {
  /** `first` or `retry`: the consumer lag metric's label */
  lane: 'first' | 'retry';
}

/** A record a lane cannot read goes to the quarantine topic byte for byte, never a silent drop. */
export async function quarantineRecordOf(
  producer: BatchingProducer,
  config: Pick<RouterConfig, 'topics'>,
  record: ConsumedRecord,
  reason: string,
  kind: 'webhooks' | 'retry' | 'ordered',
): Promise<void> {
  await producer.send(config.topics.quarantine, [quarantineConsumedRecord(record, reason, 'router', new Date())]);
  recordsQuarantined.inc({ topic_kind: kind });
}

/** What the router's two lanes share: the lane's lifecycle and quarantining records they cannot read. */
export abstract class RouterLane {
  private readonly lane: LaneConsumer;

  protected constructor(
    kafka: KafkaClient,
    protected readonly config: RouterConfig,
    protected readonly delivery: DeliveryService,
    private readonly producer: BatchingProducer,
    protected readonly logger: PinoLogger,
    { lane, ...options }: RouterLaneOptions,
  ) {
    this.lane = new LaneConsumer(kafka, {
      ...options,
      logger: logger.logger,
      onBatchEnd: (batch) => recordConsumerLag(lane, batch.topic, batch.partition, batch.offsetLag),
      process: (record) => (tracingOn() ? this.traced(record, lane) : this.process(record)),
      drainMs: this.drainMs,
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
    return this.lane.stop(this.drainMs);
  }

  protected abstract process(record: ConsumedRecord): Promise<void>;

  /**
   * Tracing on: a consumer span per record, the child of the producer's span (first lane), or a new
   * trace linked to the event's own (a retry), so an event's retries do not stretch its trace over hours.
   */
  private traced(record: ConsumedRecord, lane: string): Promise<void> {
    const producer = traceContextOf(record);
    const retry = lane !== 'first';
    return traced(
      `${record.topic} process`,
      {
        kind: SpanKind.CONSUMER,
        ...(retry ? { root: true, links: linkTo(producer) } : { parent: producer }),
        attributes: consumeSpanAttributes(record, retry ? this.config.retryGroupId : this.config.groupId),
      },
      () => this.process(record),
    );
  }

  protected async quarantine(record: ConsumedRecord, reason: string, kind: 'webhooks' | 'retry', message: string): Promise<void> {
    await quarantineRecordOf(this.producer, this.config, record, reason, kind);
    this.logger.warn({ partition: record.partition, offset: record.offset, reason }, message);
  }

  /** in-flight deliveries finish (one attempt's timeout and a margin) before offsets are committed on the way out */
  private get drainMs(): number {
    return this.config.deliveryTimeoutMs + 2000;
  }
}
