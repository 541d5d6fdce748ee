import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MultiWebhookController } from './multi-webhook.controller';
import { MultiWebhookService } from './multi-webhook.service';

@Module({
  imports: [AuthModule],
  controllers: [MultiWebhookController],
  providers: [MultiWebhookService],
})
export class MultiWebhookModule {}
