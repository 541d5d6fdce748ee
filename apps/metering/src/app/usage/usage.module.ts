import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { UsageController } from './usage.controller';
import { UsageRepository } from './usage.repository';

@Module({
  imports: [DatabaseModule],
  controllers: [UsageController],
  providers: [UsageRepository],
})
export class UsageModule {}
