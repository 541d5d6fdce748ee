import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { ApiException, isMetaStylePath, isOnPremiseStylePath, metaErrorBody } from './api-exception';

function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
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
    if (status >= 500) this.logger.error({ err: exception }, 'unhandled error');
    const message = publicMessage(status, exception);
    const body = isOnPremiseStylePath(request.method, request.url)
      ? { errors: [{ code: status >= 500 ? 1014 : 1009, title: status >= 500 ? 'Internal error' : 'Parameter value is not valid', details: message }] }
      : isMetaStylePath(request.url)
        ? metaErrorBody(message, status >= 500 ? 2 : 100)
        : { error: message };
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
