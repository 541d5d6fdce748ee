import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DataModule } from '../data/data.module';
import { SecretRotationController } from './secret-rotation.controller';
import { SecretRotationService } from './secret-rotation.service';

/** Rotation of the primary webhook's secret; the service also rotates /multi_webhook extras for that feature. */
@Module({
  imports: [AuthModule, DataModule],
  controllers: [SecretRotationController],
  providers: [SecretRotationService],
  exports: [SecretRotationService],
})
export class SecretRotationModule {}
