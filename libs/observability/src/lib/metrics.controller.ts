import { Controller, Get, Header, HttpException, Inject, Optional, Req } from '@nestjs/common';
import { constantTimeEqual } from '@wabridge/util';
import { metricsRegistry } from './metrics';

/** METRICS_TOKEN of the service, when set (see ObservabilityOptions.metricsToken). */
export const METRICS_TOKEN = Symbol('METRICS_TOKEN');

/**
 * Prometheus metrics. With a metrics token, only `Authorization: Bearer <token>` reads them (compared
 * in constant time): the partner- and Meta-facing ports then show nothing to the internet.
 */
@Controller('metrics')
export class MetricsController {
  private readonly expected: string | null;

  constructor(@Optional() @Inject(METRICS_TOKEN) token?: string) {
    this.expected = token ? token : null;
  }

  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(@Req() request: { headers: Record<string, string | string[] | undefined> }): Promise<string> {
    if (this.expected) {
      const header = request.headers.authorization;
      const token = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
      if (token === undefined || !constantTimeEqual(token, this.expected)) {
        throw new HttpException({ error: 'metrics need Authorization: Bearer <METRICS_TOKEN>' }, 401);
      }
    }
    return metricsRegistry.metrics();
  }
}
