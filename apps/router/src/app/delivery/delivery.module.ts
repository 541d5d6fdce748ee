import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BatchingProducer, createKafka, ensureTopics, type TopicSpec } from '@wabridge/kafka';
import { ChangeChannels, ChangeListener, createDataSource } from '@wabridge/persistence';
import { PartnerHttpService } from '@wabridge/webhook-delivery';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { ROUTER_CONFIG, type RouterConfig } from '../../config/router.config';
import { BindingRepository } from '../bindings/binding.repository';
import { StatsTally } from '../metrics/delivery-stats';
import { breakerTransitions, reportBreakersFrom, reportOldestRetryFrom, reportParkedPairsFrom, reportPendingRetriesFrom } from '../metrics/router-metrics';
import { OrderedDeliveryService } from '../ordered/ordered-delivery.service';
import { OrderedParkingRepository } from '../ordered/ordered-parking.repository';
import { OrderedSequencer } from '../ordered/ordered-sequencer';
import { ROUTER_CLOCK, ROUTER_DATA_SOURCE, ROUTER_KAFKA, ROUTER_PRODUCER, ROUTER_RANDOM, type KafkaClient } from '../router.tokens';
import { AttemptService } from './attempt.service';
import { CircuitBreakers, destinationIdOf } from './circuit-breaker';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryService } from './delivery.service';
import { OutcomeService } from './outcome.service';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How often the stats tally is written to Postgres: partners' stats lag the attempts by about this much. */
const STATS_FLUSH_MS = 1000;
/** Stats rows are kept two days (partners read the last 24 h); pruning runs this often. */
const STATS_PRUNE_EVERY_MS = 10 * 60 * 1000;

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

/** Kafka, Postgres and HTTP for delivering: the I/O edges and the services that decide. */
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
      useFactory: (config: RouterConfig) => createDataSource({ url: config.databaseUrl, poolSize: 10, applicationName: 'wabridge-router' }),
    },
    { provide: ROUTER_CLOCK, useValue: (): Date => new Date() },
    { provide: ROUTER_RANDOM, useValue: Math.random },
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
      provide: CircuitBreakers,
      inject: [ROUTER_CONFIG, PinoLogger],
      useFactory: (config: RouterConfig, logger: PinoLogger) => {
        logger.setContext(CircuitBreakers.name);
        return new CircuitBreakers(config.breaker, (key, from, to) => {
          breakerTransitions.inc({ from, to });
          logger.info({ destination_id: destinationIdOf(key), from, to }, 'destination circuit breaker changed state');
        });
      },
    },
    BindingRepository,
    DeliveryRepository,
    OrderedParkingRepository,
    OrderedSequencer,
    StatsTally,
    OutcomeService,
    AttemptService,
    OrderedDeliveryService,
    DeliveryService,
  ],
  exports: [ROUTER_KAFKA, ROUTER_PRODUCER, DeliveryRepository, DeliveryService, OrderedDeliveryService, OrderedParkingRepository],
})
export class DeliveryModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @Inject(ROUTER_KAFKA) private readonly kafka: KafkaClient,
    @Inject(ROUTER_PRODUCER) private readonly producer: BatchingProducer,
    @Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly http: PartnerHttpService,
    private readonly changes: ChangeListener,
    private readonly outcomes: OutcomeService,
    private readonly store: DeliveryRepository,
    private readonly stats: StatsTally,
    private readonly logger: PinoLogger,
    breakers: CircuitBreakers,
    parking: OrderedParkingRepository,
  ) {
    reportBreakersFrom(() => breakers.counts(Date.now()));
    reportPendingRetriesFrom(() => store.pendingRetries());
    reportOldestRetryFrom(() => store.oldestRetryAgeSeconds());
    reportParkedPairsFrom(() => parking.parkedPairs());
  }

  private statsTimer: NodeJS.Timeout | undefined;
  private statsFlushing: Promise<void> = Promise.resolve();
  private lastPrune = 0;

  /** Writes the stats tally; visibility only, so a failed write is logged and its counts dropped. */
  private flushStats(): Promise<void> {
    this.statsFlushing = this.statsFlushing.then(async () => {
      const rows = this.stats.drain();
      try {
        if (rows.length > 0) await this.store.addStats(rows);
        if (Date.now() - this.lastPrune >= STATS_PRUNE_EVERY_MS) {
          this.lastPrune = Date.now();
          await this.store.pruneStats(new Date(Date.now() - 2 * DAY_MS));
        }
      } catch (error) {
        this.logger.warn({ err: { type: (error as Error)?.name, message: (error as Error)?.message }, rows: rows.length }, 'could not write delivery stats');
      }
    });
    return this.statsFlushing;
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([this.dataSource.initialize(), this.producer.connect(), ensureTopics(this.kafka, topicSpecs(this.config)), this.changes.start()]);
    this.statsTimer = setInterval(() => void this.flushStats(), STATS_FLUSH_MS);
    this.statsTimer.unref();
  }

  /** Runs after the consumers stopped (beforeApplicationShutdown), so nothing sends any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.changes.stop();
    await this.http.close().catch(() => undefined);
    await this.outcomes.flushOutcomes();
    clearInterval(this.statsTimer);
    await this.flushStats();
    await this.producer.disconnect().catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
