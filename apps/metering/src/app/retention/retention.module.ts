import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { DedupeRetentionService } from './dedupe-retention.service';
import { DedupeRepository } from './dedupe.repository';

@Module({
  imports: [DatabaseModule],
  providers: [DedupeRepository, DedupeRetentionService],
  exports: [DedupeRetentionService],
})
export class RetentionModule {}
