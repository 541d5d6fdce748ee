import { type DynamicModule, Module } from '@nestjs/common';
import { ObservabilityModule } from '@wabridge/observability';
import type { DataSource } from 'typeorm';
import { METERING_CONFIG, type MeteringConfig } from '../config/metering.config';
import { DatabaseModule, databaseReachable, METERING_DATA_SOURCE } from './database/database.module';
import { MeteringConsumer } from './metering/metering.consumer';
import { MeteringModule } from './metering/metering.module';
import { RetentionModule } from './retention/retention.module';
import { UsageModule } from './usage/usage.module';

@Module({})
export class AppModule {
  static forRoot(config: MeteringConfig): DynamicModule {
    const configModule: DynamicModule = {
      module: class MeteringConfigModule {},
      global: true,
      providers: [{ provide: METERING_CONFIG, useValue: config }],
      exports: [METERING_CONFIG],
    };
    return {
      module: AppModule,
      imports: [
        configModule,
        ObservabilityModule.forRoot({
          service: 'metering',
          metricsToken: config.metricsToken,
          logLevel: config.logLevel,
          imports: [DatabaseModule, MeteringModule],
          readiness: {
            inject: [MeteringConsumer, METERING_DATA_SOURCE],
            useFactory: (consumer: MeteringConsumer, dataSource: DataSource) => [
              { name: 'kafka', check: () => consumer.isHealthy },
              { name: 'database', check: () => databaseReachable(dataSource) },
            ],
          },
        }),
        DatabaseModule,
        MeteringModule,
        RetentionModule,
        UsageModule,
      ],
    };
  }
}
