import { Module } from '@nestjs/common';
import { BatchingProducer, createKafka } from '@wabridge/kafka';
import { PinoLogger } from 'nestjs-pino';
import { METERING_CONFIG, type MeteringConfig } from '../../config/metering.config';
import { DatabaseModule } from '../database/database.module';
import { ChannelDirectoryService } from './channel-directory.service';
import { ChannelRepository } from './channel.repository';
import { METERING_KAFKA, METERING_PRODUCER, MeteringConsumer } from './metering.consumer';
import { MeteringRepository } from './metering.repository';
import { MeteringService } from './metering.service';

@Module({
  imports: [DatabaseModule],
  providers: [
    {
      provide: METERING_KAFKA,
      inject: [METERING_CONFIG, PinoLogger],
      useFactory: (config: MeteringConfig, logger: PinoLogger) =>
        createKafka({ brokers: config.kafkaBrokers, clientId: 'wabridge-metering', logger: logger.logger }),
    },
    {
      provide: METERING_PRODUCER,
      inject: [METERING_KAFKA],
      useFactory: (kafka: ReturnType<typeof createKafka>) => new BatchingProducer(kafka),
    },
    ChannelRepository,
    ChannelDirectoryService,
    MeteringRepository,
    MeteringService,
    MeteringConsumer,
  ],
  exports: [MeteringConsumer],
})
export class MeteringModule {}
