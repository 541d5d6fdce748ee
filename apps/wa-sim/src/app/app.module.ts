import { type DynamicModule, Module } from '@nestjs/common';
import { ObservabilityModule } from '@wabridge/observability';
import { WA_SIM_CONFIG, type WaSimConfig } from '../config/wa-sim.config';
import { BusinessNumbersService } from './graph/business-numbers.service';
import { GraphTokenService } from './graph/graph-token.service';
import { GraphController } from './graph/graph.controller';
import { MediaStoreService } from './graph/media-store.service';
import { MediaController } from './graph/media.controller';
import { SentRequestsService } from './graph/sent-requests.service';
import { TemplateStoreService } from './graph/template-store.service';
import { TemplatesController } from './graph/templates.controller';
import { SimController } from './sim/sim.controller';
import { WebhookEmitterService } from './webhooks/webhook-emitter.service';

@Module({})
export class AppModule {
  static forRoot(config: WaSimConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          service: 'wa-sim',
          logLevel: config.logLevel,
          // no Kafka, no database: the simulator is ready as soon as it listens
          readiness: { useFactory: () => [] },
        }),
      ],
      // SimController is registered first so its static /sim/* routes are not shadowed by Graph's parametric ones
      controllers: [SimController, TemplatesController, MediaController, GraphController],
      providers: [
        { provide: WA_SIM_CONFIG, useValue: config },
        GraphTokenService,
        BusinessNumbersService,
        SentRequestsService,
        WebhookEmitterService,
        MediaStoreService,
        TemplateStoreService,
      ],
    };
  }
}
