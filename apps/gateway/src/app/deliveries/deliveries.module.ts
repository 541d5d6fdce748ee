import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';
import { SecretRotationController } from './secret-rotation.controller';

@Module({
  imports: [AuthModule],
  controllers: [DeliveriesController, SecretRotationController],
  providers: [DeliveriesService],
})
export class DeliveriesModule {}
