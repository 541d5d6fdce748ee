import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteInfo } from '@nestjs/common/interfaces';
import type { Params } from 'nestjs-pino';

/**
 * pino settings shared by every service. Requests are logged by method, route path and status only:
 * no query string, no headers, no body, no remote address. What a service logs itself must follow
 * the same rule (README: no IPs, phone numbers, message text or keys in logs).
 */
export function loggerParams(service: string, level: string, hotRoutes: RouteInfo[] = []): Params {
  return {
    // hot paths (ingress webhooks) skip per-request loggers: they count outcomes in metrics instead
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
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) => {
        if (error || res.statusCode >= 500) return 'error';
        if (res.statusCode >= 400) return 'warn';
        return 'debug';
      },
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
