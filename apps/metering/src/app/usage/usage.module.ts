import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { StatementController } from './statement.controller';
import { UsageController } from './usage.controller';
import { UsageRepository } from './usage.repository';

@Module({
  imports: [DatabaseModule],
  controllers: [UsageController, StatementController],
  providers: [UsageRepository, AdminAuthGuard],
})
export class UsageModule {}
