import {
  type DynamicModule,
  Inject,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import type { RouteInfo } from '@nestjs/common/interfaces';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { HealthController } from './health.controller';
import { failedRequestLogger, loggerParams } from './logging';
import { METRICS_TOKEN, MetricsController } from './metrics.controller';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness';
import { reportReadinessOf } from './readiness-metric';
import { stopTracing } from './tracing';

export interface ObservabilityOptions {
  service: string;
  logLevel: string;
  /** a provider for READINESS_CHECKS, built from the service's own dependencies */
  readiness: Omit<Provider & { provide: typeof READINESS_CHECKS }, 'provide'> & Record<string, unknown>;
  /** modules the readiness provider injects from */
  imports?: DynamicModule['imports'];
  /** high-volume routes that get no per-request logger: only answers of 400 or more log their line */
  hotRoutes?: RouteInfo[];
  /** when set, /metrics answers only `Authorization: Bearer <metricsToken>` (METRICS_TOKEN) */
  metricsToken?: string;
}

/** Flushes the spans still buffered when the service stops (a no-op when tracing is off). */
@Injectable()
class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTracing();
  }
}

/** Puts the service's readiness checks on /metrics (wabridge_ready). */
@Injectable()
class ReadinessMetric {
  constructor(@Inject(READINESS_CHECKS) checks: ReadinessCheck[]) {
    reportReadinessOf(checks);
  }
}

const HOT_ROUTES = Symbol('HOT_ROUTES');

/** /health/live, /health/ready, /metrics and structured pino logs, the same in every service. */
@Module({})
export class ObservabilityModule implements NestModule {
  constructor(@Inject(HOT_ROUTES) private readonly hotRoutes: RouteInfo[]) {}

  configure(consumer: MiddlewareConsumer): void {
    // PinoLogger.root is pino-http's logger, set once LoggerModule has configured its middleware
    if (this.hotRoutes.length > 0) consumer.apply(failedRequestLogger(() => PinoLogger.root)).forRoutes(...this.hotRoutes);
  }

  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRoot(loggerParams(options.service, options.logLevel, options.hotRoutes)),
        ...(options.imports ?? []),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { ...options.readiness, provide: READINESS_CHECKS } as Provider,
        TracingShutdown,
        ReadinessMetric,
        { provide: METRICS_TOKEN, useValue: options.metricsToken ?? '' },
        { provide: HOT_ROUTES, useValue: options.hotRoutes ?? [] },
      ],
      exports: [LoggerModule],
    };
  }
}
