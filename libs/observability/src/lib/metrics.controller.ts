import { Controller, Get, Header, HttpException, Inject, Optional, Req } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { metricsRegistry } from './metrics';

/** METRICS_TOKEN of the service, when set (see ObservabilityOptions.metricsToken). */
export const METRICS_TOKEN = Symbol('METRICS_TOKEN');

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Prometheus metrics. With a metrics token, only `Authorization: Bearer <token>` reads them (compared
 * in constant time): the partner- and Meta-facing ports then show nothing to the internet.
 */
@Controller('metrics')
export class MetricsController {
  private readonly expected: Buffer | null;

  constructor(@Optional() @Inject(METRICS_TOKEN) token?: string) {
    this.expected = token ? digest(token) : null;
  }

  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(@Req() request: { headers: Record<string, string | string[] | undefined> }): Promise<string> {
    if (this.expected) {
      const header = request.headers.authorization;
      const token = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
      if (token === undefined || !timingSafeEqual(digest(token), this.expected)) {
        throw new HttpException({ error: 'metrics need Authorization: Bearer <METRICS_TOKEN>' }, 401);
      }
    }
    return metricsRegistry.metrics();
  }
}
