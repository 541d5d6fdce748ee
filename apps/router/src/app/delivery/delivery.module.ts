import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BatchingProducer, createKafka, ensureTopics, type TopicSpec } from '@wabridge/kafka';
import { ChangeChannels, ChangeListener, createDataSource } from '@wabridge/persistence';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { ROUTER_CONFIG, type RouterConfig } from '../../config/router.config';
import { BindingRepository } from './binding.repository';
import { CircuitBreakers, destinationIdOf } from './circuit-breaker';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryService } from './delivery.service';
import { OrderedParkingRepository } from './ordered-parking.repository';
import { OrderedSequencer } from './ordered-sequencer';
import { PartnerHttpService } from './partner-http.service';
import { breakerTransitions, reportBreakersFrom, reportParkedPairsFrom, reportPendingRetriesFrom } from './router-metrics';

export const ROUTER_KAFKA = Symbol('ROUTER_KAFKA');
export const ROUTER_PRODUCER = Symbol('ROUTER_PRODUCER');
export const ROUTER_DATA_SOURCE = Symbol('ROUTER_DATA_SOURCE');

type KafkaClient = ReturnType<typeof createKafka>;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The topics the router reads or writes, created when missing (idempotent). */
function topicSpecs(config: RouterConfig): TopicSpec[] {
  const { topics } = config;
  // A retry record must outlive its own delay and the window; never shorter than a week.
  const retention = String(Math.max(7 * DAY_MS, config.retry.windowMs + DAY_MS));
  return [
    ...[topics.webhooks, topics.deliveries, topics.dead, topics.quarantine].map((topic) => ({
      topic,
      numPartitions: config.topicPartitions,
    })),
    ...[...config.retryTopics, topics.ordered].map((topic) => ({
      topic,
      numPartitions: config.topicPartitions,
      configEntries: [{ name: 'retention.ms', value: retention }],
    })),
  ];
}

/** Kafka, Postgres and HTTP for delivering: the I/O edges and the service that decides. */
@Module({
  providers: [
    {
      provide: ROUTER_KAFKA,
      inject: [ROUTER_CONFIG, PinoLogger],
      useFactory: (config: RouterConfig, logger: PinoLogger) =>
        createKafka({ brokers: config.kafkaBrokers, clientId: 'wabridge-router', logger: logger.logger }),
    },
    {
      provide: ROUTER_PRODUCER,
      inject: [ROUTER_KAFKA],
      useFactory: (kafka: KafkaClient) => new BatchingProducer(kafka, { ackTimeoutMs: 10_000 }),
    },
    {
      provide: ROUTER_DATA_SOURCE,
      inject: [ROUTER_CONFIG],
      useFactory: (config: RouterConfig) =>
        createDataSource({ url: config.databaseUrl, poolSize: 10, applicationName: 'wabridge-router' }),
    },
    {
      provide: BindingRepository,
      inject: [ROUTER_DATA_SOURCE, ROUTER_CONFIG],
      useFactory: (dataSource: DataSource, config: RouterConfig) => new BindingRepository(dataSource, config.secrets),
    },
    {
      provide: ChangeListener,
      inject: [ROUTER_CONFIG, BindingRepository, PinoLogger],
      useFactory: (config: RouterConfig, bindings: BindingRepository, logger: PinoLogger) =>
        new ChangeListener({
          url: config.databaseUrl,
          channels: [ChangeChannels.destinations, ChangeChannels.channels],
          onChange: (channel, payload) => {
            if (channel === ChangeChannels.destinations) bindings.forgetDestinations(payload);
            else bindings.forgetChannel(payload);
          },
          onReset: () => bindings.forgetAll(),
          onError: (error) => logger.warn({ err: error }, 'binding change listener reconnecting'),
        }),
    },
    {
      provide: DeliveryRepository,
      inject: [ROUTER_DATA_SOURCE],
      useFactory: (dataSource: DataSource) => new DeliveryRepository(dataSource),
    },
    {
      provide: OrderedParkingRepository,
      inject: [ROUTER_DATA_SOURCE, ROUTER_PRODUCER, ROUTER_CONFIG],
      useFactory: (dataSource: DataSource, producer: BatchingProducer, config: RouterConfig) =>
        new OrderedParkingRepository(dataSource, producer, config.topics.ordered),
    },
    {
      provide: PartnerHttpService,
      inject: [ROUTER_CONFIG],
      useFactory: (config: RouterConfig) =>
        new PartnerHttpService({
          timeoutMs: config.deliveryTimeoutMs,
          urlPolicy: config.urlPolicy,
          maxConcurrency: config.maxConcurrency,
          maxConcurrencyPerDestination: config.maxConcurrencyPerDestination,
        }),
    },
    {
      provide: DeliveryService,
      inject: [ROUTER_CONFIG, BindingRepository, PartnerHttpService, DeliveryRepository, OrderedParkingRepository, ROUTER_PRODUCER, PinoLogger],
      useFactory: (
        config: RouterConfig,
        bindings: BindingRepository,
        http: PartnerHttpService,
        store: DeliveryRepository,
        parking: OrderedParkingRepository,
        producer: BatchingProducer,
        logger: PinoLogger,
      ) => {
        logger.setContext('DeliveryService');
        const breakers = new CircuitBreakers(config.breaker, (key, from, to) => {
          breakerTransitions.inc({ from, to });
          logger.info({ destination_id: destinationIdOf(key), from, to }, 'destination circuit breaker changed state');
        });
        reportBreakersFrom(() => breakers.counts(Date.now()));
        reportPendingRetriesFrom(() => store.pendingRetries());
        reportParkedPairsFrom(() => parking.parkedPairs());
        return new DeliveryService({
          breakers,
          topics: config.topics,
          retryTopics: config.retryTopics,
          policy: config.retry,
          bindings,
          http,
          store,
          producer,
          logger,
          ordered: { sequencer: new OrderedSequencer(), parking },
        });
      },
    },
  ],
  exports: [ROUTER_KAFKA, ROUTER_PRODUCER, DeliveryRepository, DeliveryService, OrderedParkingRepository],
})
export class DeliveryModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @Inject(ROUTER_KAFKA) private readonly kafka: KafkaClient,
    @Inject(ROUTER_PRODUCER) private readonly producer: BatchingProducer,
    @Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly http: PartnerHttpService,
    private readonly changes: ChangeListener,
    private readonly delivery: DeliveryService,
  ) {}

  async onModuleInit(): Promise<void> {
    await Promise.all([
      this.dataSource.initialize(),
      this.producer.connect(),
      ensureTopics(this.kafka, topicSpecs(this.config)),
      this.changes.start(),
    ]);
  }

  /** Runs after the consumers stopped (beforeApplicationShutdown), so nothing sends any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.changes.stop();
    await this.http.close().catch(() => undefined);
    await this.delivery.flushOutcomes();
    await this.producer.disconnect().catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
