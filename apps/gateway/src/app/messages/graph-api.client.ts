import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { metricsRegistry } from '@wabridge/observability';
import { Histogram } from 'prom-client';
import { Agent, request } from 'undici';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';

export type UpstreamResult =
  | { kind: 'response'; status: number; contentType: string; body: Buffer }
  | { kind: 'unreachable' }
  | { kind: 'timeout' };

const upstreamSeconds = new Histogram({
  name: 'wabridge_gateway_upstream_seconds',
  help: 'Graph API call latency by outcome',
  labelNames: ['outcome'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Whether a failed upstream call ran out of time (→ 504) rather than could not connect or broke (→ 502). */
export function isTimeoutError(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: string; name?: string };
  return (code !== undefined && TIMEOUT_CODES.has(code)) || name === 'TimeoutError';
}

/** The Meta Graph API, through one pooled keep-alive agent, with the operator's system-user token. */
@Injectable()
export class GraphApiClient implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    const timeout = config.graphApi.timeoutMs;
    this.agent = new Agent({
      connections: 256,
      keepAliveTimeout: 30000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connect: { timeout },
    });
  }

  /** `/{version}/{id}/{edge}` on the configured API version. */
  path(id: string, edge?: string): string {
    const base = `/${this.config.graphApi.version}/${encodeURIComponent(id)}`;
    return edge ? `${base}/${edge}` : base;
  }

  async call(method: 'GET' | 'POST', path: string, body?: Buffer): Promise<UpstreamResult> {
    const stop = upstreamSeconds.startTimer();
    try {
      const response = await request(`${this.config.graphApi.url}${path}`, {
        method,
        dispatcher: this.agent,
        headers: {
          authorization: `Bearer ${this.config.graphApi.token}`,
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body,
        // a hard deadline for the whole exchange, not only between two chunks
        signal: AbortSignal.timeout(this.config.graphApi.timeoutMs),
      });
      const bytes = Buffer.from(await response.body.arrayBuffer());
      const contentType = response.headers['content-type'];
      stop({ outcome: response.statusCode >= 200 && response.statusCode < 300 ? 'ok' : 'error' });
      return {
        kind: 'response',
        status: response.statusCode,
        contentType: typeof contentType === 'string' ? contentType : 'application/json',
        body: bytes,
      };
    } catch (error) {
      const kind = isTimeoutError(error) ? 'timeout' : 'unreachable';
      stop({ outcome: kind });
      return { kind };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}
