import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DataModule } from '../data/data.module';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { OperatorModule } from '../operator/operator.module';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { ConsoleBootstrapController } from './console-bootstrap.controller';
import { ConsoleDataRepository } from './console-data.repository';
import { ConsoleDataService } from './console-data.service';
import { ConsoleHealthService } from './console-health.service';
import { ConsoleSessionGuard } from './console-session.guard';
import { ConsoleUsageService } from './console-usage.service';
import { ConsoleAuthController, ConsoleDataController } from './console.controller';

/** The web console's API under /console/api (its pages are served by registerConsole, see console-static.ts). */
@Module({
  imports: [AuthModule, DataModule, OperatorModule, DeliveriesModule],
  controllers: [ConsoleAuthController, ConsoleDataController, ConsoleBootstrapController],
  providers: [AccountsRepository, AccountsService, ConsoleDataRepository, ConsoleDataService, ConsoleHealthService, ConsoleUsageService, ConsoleSessionGuard],
})
export class ConsoleModule {}
