import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { metricsRegistry, SpanKind, SpanStatusCode, startSpan } from '@wabridge/observability';
import type { Readable } from 'node:stream';
import { Histogram } from 'prom-client';
import { Agent, request } from 'undici';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';

export type UpstreamResult = { kind: 'response'; status: number; contentType: string; body: Buffer } | { kind: 'unreachable' } | { kind: 'timeout' };

/** A download whose bytes are streamed through rather than buffered. */
export type UpstreamStream =
  { kind: 'stream'; status: number; contentType: string; contentLength: string | undefined; body: Readable } | { kind: 'unreachable' } | { kind: 'timeout' };

export type GraphMethod = 'GET' | 'POST' | 'DELETE';

const upstreamSeconds = new Histogram({
  name: 'wabridge_gateway_upstream_seconds',
  help: 'Graph API call latency by outcome',
  labelNames: ['outcome'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Uploads of up to 100 MB need longer than a send; the agent's timeouts still catch a stalled transfer. */
const UPLOAD_DEADLINE_MS = 5 * 60 * 1000;

/** Whether a failed upstream call ran out of time (→ 504) rather than could not connect or broke (→ 502). */
export function isTimeoutError(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: string; name?: string };
  return (code !== undefined && TIMEOUT_CODES.has(code)) || name === 'TimeoutError';
}

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
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

  /** A JSON call; the answer is buffered (Graph answers are small). */
  async call(method: GraphMethod, path: string, body?: Buffer): Promise<UpstreamResult> {
    return this.buffered(path, {
      method,
      body,
      contentType: body ? 'application/json' : undefined,
      deadlineMs: this.config.graphApi.timeoutMs,
    });
  }

  /** A multipart upload, streamed through unchanged (the partner's boundary and parts included). */
  async upload(path: string, body: Readable, contentType: string, contentLength: string | undefined): Promise<UpstreamResult> {
    return this.buffered(path, { method: 'POST', body, contentType, contentLength, deadlineMs: UPLOAD_DEADLINE_MS });
  }

  /**
   * Media bytes from Meta's media host (`path` is `/whatsapp_business/attachments/?...`), streamed.
   * Only the agent's timeouts apply: a large file may take long as long as it keeps flowing.
   */
  async download(path: string): Promise<UpstreamStream> {
    const stop = upstreamSeconds.startTimer();
    try {
      const response = await request(`${this.config.graphApi.mediaUrl}${path}`, {
        method: 'GET',
        dispatcher: this.agent,
        headers: { authorization: `Bearer ${this.config.graphApi.token}` },
      });
      stop({ outcome: response.statusCode >= 200 && response.statusCode < 300 ? 'ok' : 'error' });
      return {
        kind: 'stream',
        status: response.statusCode,
        contentType: header(response.headers['content-type']) ?? 'application/octet-stream',
        contentLength: header(response.headers['content-length']),
        body: response.body,
      };
    } catch (error) {
      const kind = isTimeoutError(error) ? 'timeout' : 'unreachable';
      stop({ outcome: kind });
      return { kind };
    }
  }

  private async buffered(
    path: string,
    options: { method: GraphMethod; body?: Buffer | Readable; contentType?: string; contentLength?: string; deadlineMs: number },
  ): Promise<UpstreamResult> {
    const stop = upstreamSeconds.startTimer();
    // no path or URL attribute: the path holds the number's id
    const span = startSpan(`graph ${options.method}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': options.method } });
    try {
      const response = await request(`${this.config.graphApi.url}${path}`, {
        method: options.method,
        dispatcher: this.agent,
        headers: {
          authorization: `Bearer ${this.config.graphApi.token}`,
          accept: 'application/json',
          ...(options.contentType ? { 'content-type': options.contentType } : {}),
          ...(options.contentLength ? { 'content-length': options.contentLength } : {}),
        },
        body: options.body,
        // a hard deadline for the whole exchange, not only between two chunks
        signal: AbortSignal.timeout(options.deadlineMs),
      });
      const bytes = Buffer.from(await response.body.arrayBuffer());
      stop({ outcome: response.statusCode >= 200 && response.statusCode < 300 ? 'ok' : 'error' });
      if (span) {
        span.setAttribute('http.response.status_code', response.statusCode);
        if (response.statusCode >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      return {
        kind: 'response',
        status: response.statusCode,
        contentType: header(response.headers['content-type']) ?? 'application/json',
        body: bytes,
      };
    } catch (error) {
      const kind = isTimeoutError(error) ? 'timeout' : 'unreachable';
      stop({ outcome: kind });
      if (span) {
        span.setAttribute('error.type', kind);
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      return { kind };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}
