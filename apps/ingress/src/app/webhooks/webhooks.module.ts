import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BatchingProducer, createKafka, KafkaProbe, type KafkaClient } from '@wabridge/kafka';

import { PinoLogger } from 'nestjs-pino';

const KAFKA = Symbol('KAFKA');
import { INGRESS_CONFIG, type IngressConfig } from '../../config/ingress.config';
import { WebhookController } from './webhook.controller';
import { INGRESS_PRODUCER, INGRESS_PROBE, produceBatchRecords, WebhookPublisherService } from './webhook-publisher.service';

@Module({
  controllers: [WebhookController],
  providers: [
    WebhookPublisherService,
    {
      provide: KAFKA,
      inject: [INGRESS_CONFIG, PinoLogger],
      useFactory: (config: IngressConfig, logger: PinoLogger) =>
        createKafka({ brokers: config.kafkaBrokers, clientId: 'wabridge-ingress', logger: logger.logger }),
    },
    {
      provide: INGRESS_PRODUCER,
      inject: [INGRESS_CONFIG, KAFKA],
      useFactory: (config: IngressConfig, kafka: KafkaClient) =>
        new BatchingProducer(kafka, {
          ackTimeoutMs: config.publishTimeoutMs,
          onProduced: (records) => produceBatchRecords.observe(records),
        }),
    },
    { provide: INGRESS_PROBE, inject: [KAFKA], useFactory: (kafka: KafkaClient) => new KafkaProbe(kafka) },
  ],
  exports: [INGRESS_PRODUCER, INGRESS_PROBE],
})
export class WebhooksModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(INGRESS_PRODUCER) private readonly producer: BatchingProducer,
    @Inject(INGRESS_PROBE) private readonly probe: KafkaProbe,
    private readonly logger: PinoLogger,
  ) {}

  /** Ingress starts even while Kafka is down: it answers 503 (Meta retries) and reports not-ready. */
  onModuleInit(): void {
    this.producer.connectInBackground((error) => this.logger.warn({ err: error }, 'Kafka not reachable yet; retrying'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.probe.close();
    await this.producer.disconnect();
  }
}
