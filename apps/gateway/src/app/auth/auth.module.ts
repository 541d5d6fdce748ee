import { Module } from '@nestjs/common';
import { AdminAuthGuard } from './admin-auth.guard';
import { PartnerAuthGuard } from './partner-auth.guard';
import { PartnerAuthService } from './partner-auth.service';

@Module({
  providers: [PartnerAuthService, PartnerAuthGuard, AdminAuthGuard],
  exports: [PartnerAuthService, PartnerAuthGuard, AdminAuthGuard],
})
export class AuthModule {}
