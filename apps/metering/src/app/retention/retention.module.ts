import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { DedupeRetentionService } from './dedupe-retention.service';

@Module({
  imports: [DatabaseModule],
  providers: [DedupeRetentionService],
  exports: [DedupeRetentionService],
})
export class RetentionModule {}
