import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DataModule } from '../data/data.module';
import { OperatorController, PartnerKeysController } from './operator.controller';
import { OperatorService } from './operator.service';

@Module({
  imports: [AuthModule, DataModule],
  controllers: [OperatorController, PartnerKeysController],
  providers: [OperatorService],
  exports: [OperatorService],
})
export class OperatorModule {}
