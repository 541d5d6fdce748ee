import { type DynamicModule, Module } from '@nestjs/common';
import type { BatchingProducer, KafkaProbe } from '@wabridge/kafka';
import { ObservabilityModule } from '@wabridge/observability';
import { INGRESS_CONFIG, type IngressConfig } from '../config/ingress.config';
import { WebhooksModule } from './webhooks/webhooks.module';
import { INGRESS_PRODUCER, INGRESS_PROBE } from './webhooks/webhook-publisher.service';

@Module({})
export class AppModule {
  static forRoot(config: IngressConfig): DynamicModule {
    const configModule: DynamicModule = {
      module: class IngressConfigModule {},
      global: true,
      providers: [{ provide: INGRESS_CONFIG, useValue: config }],
      exports: [INGRESS_CONFIG],
    };
    return {
      module: AppModule,
      imports: [
        configModule,
        ObservabilityModule.forRoot({
          service: 'ingress',
          metricsToken: config.metricsToken,
          logLevel: config.logLevel,
          imports: [WebhooksModule],
          readiness: {
            inject: [INGRESS_PRODUCER, INGRESS_PROBE],
            useFactory: (producer: BatchingProducer, probe: KafkaProbe) => [
              { name: 'kafka', check: async () => producer.isConnected && (await probe.check()) },
            ],
          },
        }),
        WebhooksModule,
      ],
    };
  }
}
