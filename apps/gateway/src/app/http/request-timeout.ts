import type { FastifyInstance } from 'fastify';

/** Media uploads (multipart, or raw bytes on the on-premise path) may take the server's longer timeout. */
export function isMediaUpload(method: string, path: string): boolean {
  return method === 'POST' && /(^|\/)media\/?$/.test(path.split('?', 1)[0]);
}

/**
 * The server-wide request timeout is the media uploads' (they may be 100 MB); every other request
 * must have arrived completely within `timeoutMs`, or its connection is closed. A slow body cannot
 * hold a connection (and its parser state) for minutes.
 */
export function enforceRequestTimeout(fastify: FastifyInstance, timeoutMs: number): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (isMediaUpload(request.method, request.url) || request.raw.complete) {
      done();
      return;
    }
    const timer = setTimeout(() => {
      if (!request.raw.complete) request.raw.socket?.destroy();
    }, timeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    request.raw.once('end', clear);
    reply.raw.once('close', clear);
    done();
  });
}
