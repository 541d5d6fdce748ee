import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { OperatorController, PartnerKeysController } from './operator.controller';
import { OperatorService } from './operator.service';

@Module({
  imports: [AuthModule],
  controllers: [OperatorController, PartnerKeysController],
  providers: [OperatorService],
  exports: [OperatorService],
})
export class OperatorModule {}
