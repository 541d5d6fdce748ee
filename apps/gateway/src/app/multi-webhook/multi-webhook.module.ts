import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DataModule } from '../data/data.module';
import { SecretRotationModule } from '../secret-rotation/secret-rotation.module';
import { MultiWebhookController } from './multi-webhook.controller';
import { MultiWebhookService } from './multi-webhook.service';

@Module({
  imports: [AuthModule, DataModule, SecretRotationModule],
  controllers: [MultiWebhookController],
  providers: [MultiWebhookService],
})
export class MultiWebhookModule {}
