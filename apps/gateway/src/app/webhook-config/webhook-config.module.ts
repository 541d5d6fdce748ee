import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DataModule } from '../data/data.module';
import { WebhookConfigController } from './webhook-config.controller';
import { WebhookConfigService } from './webhook-config.service';

@Module({
  imports: [AuthModule, DataModule],
  controllers: [WebhookConfigController],
  providers: [WebhookConfigService],
})
export class WebhookConfigModule {}
