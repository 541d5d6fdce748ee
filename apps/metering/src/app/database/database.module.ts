import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createDataSource, pingDatabase } from '@wabridge/persistence';
import type { DataSource } from 'typeorm';
import { METERING_CONFIG, type MeteringConfig } from '../../config/metering.config';

export const METERING_DATA_SOURCE = Symbol('METERING_DATA_SOURCE');

/** The service's one PostgreSQL pool; the schema comes from migrations run by the operator tooling. */
@Module({
  providers: [
    {
      provide: METERING_DATA_SOURCE,
      inject: [METERING_CONFIG],
      useFactory: async (config: MeteringConfig): Promise<DataSource> => {
        const dataSource = createDataSource({ url: config.databaseUrl, poolSize: 10, applicationName: 'wabridge-metering' });
        await dataSource.initialize();
        return dataSource;
      },
    },
  ],
  exports: [METERING_DATA_SOURCE],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(METERING_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Readiness: the database answers a trivial query. */
export async function databaseReachable(dataSource: DataSource): Promise<boolean> {
  await pingDatabase(dataSource);
  return true;
}
