import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { GraphModule } from '../graph/graph.module';
import { MediaModule } from '../media/media.module';
import { MessagesModule } from '../messages/messages.module';
import { LegacyController } from './legacy.controller';

@Module({
  imports: [AuthModule, GraphModule, MediaModule, MessagesModule],
  controllers: [LegacyController],
})
export class LegacyModule {}
