import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import {
  BatchingProducer,
  ConsumerLagMonitor,
  ConsumerRunner,
  consumeSpanAttributes,
  createKafka,
  ensureTopics,
  quarantineConsumedRecord,
  reportConsumerLagOf,
  stopReportingConsumerLagOf,
  type BatchContext,
  type ConsumedRecord,
  traceContextOf,
} from '@wabridge/kafka';
import { endSpanWithError, metricsRegistry, SpanKind, startSpan, tracingOn, type Span } from '@wabridge/observability';
import { PinoLogger } from 'nestjs-pino';
import { Counter } from 'prom-client';
import { METERING_CONFIG, type MeteringConfig } from '../../config/metering.config';
import { decodeOutboundRecord, decodeWebhookRecord, type DecodedRecord, type MeteringFact } from './metering-facts';
import { MeteringService } from './metering.service';

export const METERING_KAFKA = Symbol('METERING_KAFKA');
export const METERING_PRODUCER = Symbol('METERING_PRODUCER');

/** How long a partition rests after a batch could not be applied, before it is fetched again. */
const RETRY_BACKOFF_MS = 1000;

const quarantined = new Counter({
  name: 'wabridge_metering_quarantined_total',
  help: 'Records metering could not read, sent to the quarantine topic, by source topic',
  labelNames: ['topic'],
  registers: [metricsRegistry],
});

const batchFailures = new Counter({
  name: 'wabridge_metering_batch_failures_total',
  help: 'Batches that could not be applied or quarantined and will be fetched again',
  registers: [metricsRegistry],
});

interface Invalid {
  record: ConsumedRecord;
  reason: string;
}

/**
 * Consumes accepted sends and Meta webhooks. A batch is decoded, its facts counted in one
 * transaction, its unreadable records quarantined, and only then are its offsets resolved: a crash
 * anywhere before that means the batch is fetched again, and counting it again changes nothing.
 */
@Injectable()
export class MeteringConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runner: ConsumerRunner;
  /** the group's lag per partition, as the broker sees it (wabridge_kafka_consumer_lag) */
  private readonly lag: ConsumerLagMonitor;

  constructor(
    @Inject(METERING_CONFIG) private readonly config: MeteringConfig,
    @Inject(METERING_KAFKA) private readonly kafka: ReturnType<typeof createKafka>,
    @Inject(METERING_PRODUCER) private readonly producer: BatchingProducer,
    private readonly metering: MeteringService,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(MeteringConsumer.name);
    this.runner = new ConsumerRunner(kafka, {
      groupId: config.groupId,
      topics: [config.topics.outbound, config.topics.webhooks],
      handler: (records, context) => this.handle(records, context),
      logger: logger.logger,
      // one partition's batch is decoded while another's transaction runs; the count upserts take their
      // row locks in key order (metering-batch.ts), so concurrent batches cannot deadlock
      partitionsConsumedConcurrently: 3,
      // metering never rests a partition for more than RETRY_BACKOFF_MS: records waiting with no batch call is a stuck member
      lagOf: () => this.lag.fresh(),
    });
    this.lag = new ConsumerLagMonitor(kafka, [{ groupId: config.groupId, topics: [config.topics.outbound, config.topics.webhooks] }]);
  }

  get isHealthy(): boolean {
    return this.runner.isHealthy && this.producer.isConnected;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { outbound, webhooks, quarantine } = this.config.topics;
    await ensureTopics(this.kafka, [{ topic: outbound }, { topic: webhooks }, { topic: quarantine }]);
    await this.producer.connect();
    await this.runner.start();
    reportConsumerLagOf(this.lag);
    this.logger.info({ groupId: this.config.groupId }, 'metering consumer joined its group');
  }

  async beforeApplicationShutdown(): Promise<void> {
    stopReportingConsumerLagOf(this.lag);
    await this.lag.stop();
    await this.runner.stop();
    await this.producer.disconnect();
  }

  private decode(record: ConsumedRecord): DecodedRecord<MeteringFact> {
    return record.topic === this.config.topics.outbound ? decodeOutboundRecord(record.value) : decodeWebhookRecord(record.value);
  }

  /** Tracing on: a consumer span per record that carries a trace context, ended when its batch is applied. */
  private spansOf(records: ConsumedRecord[]): Span[] {
    const spans: Span[] = [];
    for (const record of records) {
      const parent = traceContextOf(record);
      if (!parent) continue;
      const span = startSpan(`${record.topic} process`, { kind: SpanKind.CONSUMER, parent, attributes: consumeSpanAttributes(record, this.config.groupId) });
      if (span) spans.push(span);
    }
    return spans;
  }

  private async handle(records: ConsumedRecord[], context: BatchContext): Promise<void> {
    const spans = tracingOn() ? this.spansOf(records) : undefined;
    const facts: MeteringFact[] = [];
    const invalid: Invalid[] = [];
    for (const record of records) {
      const decoded = this.decode(record);
      if (decoded.ok) facts.push(...decoded.facts);
      else invalid.push({ record, reason: decoded.reason });
    }
    try {
      // Counting first: it is idempotent, quarantining is not, so a failure between the two repeats only the harmless step.
      await this.metering.count(facts);
      await this.quarantine(invalid);
    } catch (error) {
      if (spans) for (const span of spans) endSpanWithError(span, error);
      batchFailures.inc();
      const { topic, partition, offset } = records[0];
      this.logger.error({ err: error, topic, partition, offset, records: records.length }, 'batch not applied, will retry');
      const resume = context.pause();
      setTimeout(resume, RETRY_BACKOFF_MS).unref();
      return;
    }
    if (spans) for (const span of spans) span.end();
    context.resolveOffset(records[records.length - 1].offset);
    await context.heartbeat();
  }

  /** Unreadable records go to the quarantine topic byte for byte, with the reason; never dropped silently. */
  private async quarantine(invalid: Invalid[]): Promise<void> {
    if (invalid.length === 0) return;
    // without a received-at header, the time Kafka stored the record stands in for it
    const out = invalid.map(({ record, reason }) => quarantineConsumedRecord(record, reason, 'metering', new Date(Number(record.timestamp))));
    await this.producer.send(this.config.topics.quarantine, out);
    for (const { record, reason } of invalid) {
      quarantined.inc({ topic: record.topic });
      this.logger.warn({ topic: record.topic, partition: record.partition, offset: record.offset, reason }, 'record quarantined');
    }
  }
}
