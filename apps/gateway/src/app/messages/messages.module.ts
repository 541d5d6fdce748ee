import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { GraphApiClient } from './graph-api.client';
import { MessagesController } from './messages.controller';
import { SendService } from './send.service';

@Module({
  imports: [AuthModule],
  controllers: [MessagesController],
  providers: [GraphApiClient, SendService],
})
export class MessagesModule {}
