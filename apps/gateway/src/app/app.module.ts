import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { BatchingProducer } from '@wabridge/kafka';
import { ObservabilityModule } from '@wabridge/observability';
import { pingDatabase } from '@wabridge/persistence';
import type { DataSource } from 'typeorm';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ConsoleModule } from './console/console.module';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { HttpErrorFilter } from './errors/http-error.filter';
import { PartnerHealthController } from './health/partner-health.controller';
import { GATEWAY_DATA_SOURCE, GATEWAY_PRODUCER, InfraModule } from './infra/infra.module';
import { GraphFacadeModule } from './graph-facade/graph-facade.module';
import { LegacyModule } from './legacy/legacy.module';
import { MediaModule } from './media/media.module';
import { SEND_ROUTES } from './messages/messages.controller';
import { MessagesModule } from './messages/messages.module';
import { MultiWebhookModule } from './multi-webhook/multi-webhook.module';
import { AsyncApiController } from './openapi/asyncapi.controller';
import { OperatorModule } from './operator/operator.module';
import { SecretRotationModule } from './secret-rotation/secret-rotation.module';
import { SelfServiceModule } from './self-service/self-service.module';
import { TemplatesModule } from './templates/templates.module';
import { WebhookConfigModule } from './webhook-config/webhook-config.module';

const DB_CHECK_TIMEOUT_MS = 2000;

async function databaseAnswers(dataSource: DataSource): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), DB_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([pingDatabase(dataSource).then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const configModule: DynamicModule = {
      module: class GatewayConfigModule {},
      global: true,
      providers: [{ provide: GATEWAY_CONFIG, useValue: config }],
      exports: [GATEWAY_CONFIG],
    };
    return {
      module: AppModule,
      imports: [
        configModule,
        ObservabilityModule.forRoot({
          service: 'gateway',
          metricsToken: config.metricsToken,
          logLevel: config.logLevel,
          hotRoutes: SEND_ROUTES,
          imports: [InfraModule],
          readiness: {
            inject: [GATEWAY_PRODUCER, GATEWAY_DATA_SOURCE],
            useFactory: (producer: BatchingProducer, dataSource: DataSource) => [
              { name: 'kafka', check: () => producer.isConnected },
              { name: 'postgres', check: () => databaseAnswers(dataSource) },
            ],
          },
        }),
        InfraModule,
        OperatorModule,
        WebhookConfigModule,
        SecretRotationModule,
        MultiWebhookModule,
        MessagesModule,
        TemplatesModule,
        DeliveriesModule,
        SelfServiceModule,
        ConsoleModule,
        MediaModule,
        LegacyModule,
        // last: its `GET /{id}` and `/{version}/{id}` patterns match what other features serve statically
        GraphFacadeModule,
      ],
      controllers: [PartnerHealthController, AsyncApiController],
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
