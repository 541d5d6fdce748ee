import { Global, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BatchingProducer, createKafka, ensureTopics } from '@wabridge/kafka';
import { createDataSource } from '@wabridge/persistence';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';

export const GATEWAY_DATA_SOURCE = Symbol('GATEWAY_DATA_SOURCE');
export const GATEWAY_PRODUCER = Symbol('GATEWAY_PRODUCER');
export const GATEWAY_KAFKA = Symbol('GATEWAY_KAFKA');

/** The gateway's connections to Postgres and Kafka, shared by every feature. */
@Global()
@Module({
  providers: [
    {
      provide: GATEWAY_DATA_SOURCE,
      inject: [GATEWAY_CONFIG],
      useFactory: async (config: GatewayConfig): Promise<DataSource> => {
        const dataSource = createDataSource({ url: config.databaseUrl, poolSize: 10, applicationName: 'wabridge-gateway' });
        await dataSource.initialize();
        return dataSource;
      },
    },
    {
      provide: GATEWAY_KAFKA,
      inject: [GATEWAY_CONFIG, PinoLogger],
      useFactory: (config: GatewayConfig, logger: PinoLogger) =>
        createKafka({ brokers: config.kafkaBrokers, clientId: 'wabridge-gateway', logger: logger.logger }),
    },
    {
      provide: GATEWAY_PRODUCER,
      inject: [GATEWAY_CONFIG, GATEWAY_KAFKA],
      useFactory: (config: GatewayConfig, kafka: ReturnType<typeof createKafka>) => new BatchingProducer(kafka, { ackTimeoutMs: config.publishTimeoutMs }),
    },
  ],
  exports: [GATEWAY_DATA_SOURCE, GATEWAY_PRODUCER, GATEWAY_KAFKA],
})
export class InfraModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_KAFKA) private readonly kafka: ReturnType<typeof createKafka>,
    @Inject(GATEWAY_PRODUCER) private readonly producer: BatchingProducer,
    @Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    await ensureTopics(this.kafka, [{ topic: this.config.topics.outbound }]);
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
    await this.dataSource.destroy();
  }
}
