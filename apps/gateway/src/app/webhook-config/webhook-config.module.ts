import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { WebhookConfigController } from './webhook-config.controller';
import { WebhookConfigService } from './webhook-config.service';

@Module({
  imports: [AuthModule],
  controllers: [WebhookConfigController],
  providers: [WebhookConfigService],
})
export class WebhookConfigModule {}
