import type { FastifyReply } from 'fastify';
import { metaErrorBody } from '../errors/api-exception';
import type { UpstreamResult, UpstreamStream } from './graph-api.client';

const UNREACHABLE = 'Bad gateway: the WhatsApp Graph API could not be reached';
const TIMED_OUT = 'Gateway timeout: the WhatsApp Graph API did not answer in time';

/** Meta's answer as it came (status, content type, bytes); 502/504 in Meta's shape when there was none. */
export function relay(reply: FastifyReply, result: UpstreamResult | Exclude<UpstreamStream, { kind: 'stream' }>): void {
  switch (result.kind) {
    case 'response':
      void reply.status(result.status).header('content-type', result.contentType).send(result.body);
      return;
    case 'unreachable':
      void reply.status(502).send(metaErrorBody(UNREACHABLE, 2));
      return;
    case 'timeout':
      void reply.status(504).send(metaErrorBody(TIMED_OUT, 2));
      return;
    default: {
      const exhaustive: never = result;
      throw new Error(`unhandled upstream result ${JSON.stringify(exhaustive)}`);
    }
  }
}

/** A streamed download passed on as it comes; the body is never buffered. */
export function relayStream(reply: FastifyReply, result: UpstreamStream): void {
  if (result.kind !== 'stream') {
    relay(reply, result);
    return;
  }
  void reply.status(result.status).header('content-type', result.contentType);
  if (result.contentLength !== undefined) void reply.header('content-length', result.contentLength);
  void reply.send(result.body);
}

export function parseJsonOrUndefined(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function isSuccess(result: UpstreamResult): result is Extract<UpstreamResult, { kind: 'response' }> {
  return result.kind === 'response' && result.status >= 200 && result.status < 300;
}
