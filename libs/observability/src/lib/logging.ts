import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteInfo } from '@nestjs/common/interfaces';
import type { Params } from 'nestjs-pino';
import type { Logger } from 'pino';

/** warn for a 4xx answer, error for a 5xx or a failed response; successful requests log at debug */
function requestLogLevel(_req: IncomingMessage, res: ServerResponse, error?: Error): 'error' | 'warn' | 'debug' {
  if (error || res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400) return 'warn';
  return 'debug';
}

/**
 * pino settings shared by every service. Requests are logged by method, route path and status only:
 * no query string, no headers, no body, no remote address. What a service logs itself must follow
 * the same rule (README: no IPs, phone numbers, message text or keys in logs).
 */
export function loggerParams(service: string, level: string, hotRoutes: RouteInfo[] = []): Params {
  return {
    // hot routes (the gateway's sends) skip pino-http: only their failures are logged, by failedRequestLogger
    ...(hotRoutes.length > 0 ? { exclude: hotRoutes } : {}),
    pinoHttp: {
      level,
      base: { service },
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label: string) => ({ level: label }) },
      quietReqLogger: true,
      genReqId: () => '',
      customProps: () => ({}),
      autoLogging: {
        ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? ''),
      },
      customLogLevel: requestLogLevel,
      serializers: {
        req: (req: { method?: string; url?: string }) => ({
          method: req.method,
          path: (req.url ?? '').split('?')[0].replace(/\/[0-9]{6,}(?=\/|$)/g, '/:id'),
        }),
        res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
        err: (err: Error) => ({ type: err.name, message: err.message }),
      },
    },
  };
}

/**
 * The request log of hot routes, which pino-http skips: its two child loggers per request were 7–9 % of
 * the gateway's CPU per send (docs/performance.md). A successful answer logs nothing and allocates no
 * logger; an answer of 400 or more logs the line pino-http would have, with its level and fields, on
 * `logger()` (pino-http's own logger, so the same serializers apply).
 */
export function failedRequestLogger(logger: () => Logger | undefined) {
  return function logFailedRequest(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const startedAt = Date.now();
    const done = () => {
      res.removeListener('finish', done);
      res.removeListener('close', done);
      const root = logger();
      if (res.statusCode < 400 || !root) return;
      const responseTime = Date.now() - startedAt;
      // the id pino-http would log: the server's (Fastify numbers requests), else genReqId's ''
      const reqId = (req as IncomingMessage & { id?: unknown }).id || '';
      const level = requestLogLevel(req, res);
      // pino-http's fields in pino-http's order
      if (res.statusCode >= 500) root[level]({ reqId, req, res, err: new Error(`failed with status code ${res.statusCode}`), responseTime }, 'request errored');
      else root[level]({ reqId, req, res, responseTime }, 'request completed');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
