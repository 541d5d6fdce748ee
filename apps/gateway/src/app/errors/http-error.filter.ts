import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { ApiException, isMetaStylePath, isOnPremiseStylePath, metaErrorBody } from './api-exception';

/** Connection-level failures of PostgreSQL (SQLSTATE class 08, shutdown/starting up) and of the socket to it. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03']);

/** The database (or another dependency) cannot be reached right now: a retry later can succeed. */
export function isDependencyUnavailable(exception: unknown): boolean {
  const candidates = [exception, (exception as { driverError?: unknown })?.driverError, (exception as { cause?: unknown })?.cause];
  return candidates.some((candidate) => {
    const code = (candidate as { code?: unknown })?.code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08/.test(code))) return true;
    const message = (candidate as { message?: unknown })?.message;
    return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect/.test(message);
  });
}

function errorCodeOf(exception: unknown): string | undefined {
  const code = (exception as { code?: unknown })?.code ?? (exception as { driverError?: { code?: unknown } })?.driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  if (isDependencyUnavailable(exception)) return 503;
  const code = (exception as { statusCode?: unknown })?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
}

/** Only generic texts reach the client: framework messages may echo paths or parts of the body. */
function publicMessage(status: number, exception: unknown): string {
  // set by our own request limits (e.g. the JSON depth), written for the client
  const own = (exception as { publicMessage?: unknown })?.publicMessage;
  if (typeof own === 'string' && status < 500) return own;
  switch (status) {
    case 400: {
      const text = exception instanceof HttpException ? exception.message : '';
      return /json/i.test(text) ? 'malformed JSON body' : 'bad request';
    }
    case 404:
      return 'not found';
    case 405:
      return 'method not allowed';
    case 413:
      return 'request body too large';
    case 415:
      return 'unsupported content type: send application/json';
    case 503:
      return 'temporarily unavailable: try again shortly';
    default:
      return status >= 500 ? 'internal error' : 'request refused';
  }
}

/**
 * Every error leaves the gateway as JSON: ours as built, everything else (unknown routes, body
 * parsing, body limit, bugs) mapped to `{"error": "..."}`, or to Meta's shape on Meta-style paths,
 * or to the on-premise `errors` shape on the legacy on-premise calls.
 * Never a stack trace or an HTML page.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: PinoLogger) {
    logger.setContext(HttpErrorFilter.name);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    if (reply.sent) return;
    if (exception instanceof ApiException) {
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    const status = statusOf(exception);
    if (status === 503) this.logger.warn({ code: errorCodeOf(exception) }, 'a dependency is unavailable; answered 503');
    else if (status >= 500) this.logger.error({ err: exception }, 'unhandled error');
    const message = publicMessage(status, exception);
    const body = isOnPremiseStylePath(request.method, request.url)
      ? { errors: [{ code: status >= 500 ? 1014 : 1009, title: status >= 500 ? 'Internal error' : 'Parameter value is not valid', details: message }] }
      : isMetaStylePath(request.url)
        ? metaErrorBody(message, status >= 500 ? 2 : 100)
        : { error: message };
    if (status === 503) void reply.header('retry-after', '5');
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
