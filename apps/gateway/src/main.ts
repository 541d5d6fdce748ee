import 'reflect-metadata';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { ConfigError, httpServerTimeouts } from '@wabridge/config';
import { prepareStoredSecrets, StoredSecretsError } from '@wabridge/persistence';
import { silenceKnownWarnings, startTracing } from '@wabridge/observability';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { carriesOperatorToken } from './app/auth/admin-auth.guard';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './app/http/json-depth';
import { enforceRequestTimeout } from './app/http/request-timeout';
import { registerConsole } from './app/console/console-static';
import { MULTIPART_ROUTES, RAW_UPLOAD_ROUTES } from './app/media/media-paths';
import { rewriteOnPremiseUrl } from './app/onprem/onprem-base';
import { buildOpenApiDocument, DOCS_PATH } from './app/openapi/openapi-document';
import { loadGatewayConfig } from './config/gateway.config';

const BODY_LIMIT = 1024 * 1024;

/** Leaves the body unread (the controller streams it) on `routes`; anywhere else 415. */
function streamOnlyOn(routes: ReadonlySet<string>, route: string | undefined, payload: Readable, done: (error: Error | null, body?: undefined) => void): void {
  if (routes.has(route ?? '')) {
    done(null, undefined);
    return;
  }
  // Fastify closes the connection after a parser's error: answered while the client is still sending, the
  // close resets the connection and the client sees EPIPE instead of the 415. So the body (up to the JSON
  // limit) is read and dropped first, and the 415 goes to a client that has finished writing.
  let dropped = 0;
  let answered = false;
  const refuse = () => {
    if (answered) return;
    answered = true;
    done(Object.assign(new Error('unsupported content type'), { statusCode: 415 }), undefined);
  };
  payload.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > BODY_LIMIT) refuse();
  });
  payload.once('end', refuse);
  payload.once('error', refuse);
  payload.resume();
}

/** JSON bodies above the limit are still read, up to this size, before they are refused (drainOversizedJson). */
const OVERSIZED_DRAIN_LIMIT = 8 * BODY_LIMIT;

/**
 * Fastify refuses a JSON body whose Content-Length is above the limit before reading it, and closes the
 * connection: a client still sending sees the connection reset (EPIPE) instead of the 413 in Meta's
 * shape. Up to OVERSIZED_DRAIN_LIMIT the body is read and dropped first, so the 413 reaches a client that
 * has finished writing; a larger one is still cut off at once.
 */
function drainOversizedJson(instance: FastifyInstance): void {
  instance.addHook('onRequest', (request, _reply, done) => {
    const length = Number(request.headers['content-length']);
    if (!(length > BODY_LIMIT) || length > OVERSIZED_DRAIN_LIMIT || !String(request.headers['content-type']).includes('json')) {
      done();
      return;
    }
    const raw = request.raw;
    raw.on('data', () => undefined);
    raw.once('end', () => done());
    raw.once('error', () => done());
    raw.resume();
  });
}

async function bootstrap(): Promise<void> {
  silenceKnownWarnings();
  // before anything else: off (and not loaded) unless an OTEL_* exporter is configured
  startTracing('gateway', process.env);
  const config = loadGatewayConfig(process.env);
  await prepareStoredSecrets(config.databaseUrl, config.secrets, { reseal: true, applicationName: 'wabridge-gateway-secrets' });
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    // the whole partner API is also served under /onprem
    rewriteUrl: rewriteOnPremiseUrl,
    // the server allows media uploads their longer timeout; every other request gets the short one (below)
    ...httpServerTimeouts(config.mediaUploadTimeoutMs),
  });
  enforceRequestTimeout(adapter.getInstance(), config.httpRequestTimeoutMs);
  drainOversizedJson(adapter.getInstance());
  // rawBody: Cloud-style sends are forwarded to Meta byte for byte
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    rawBody: true,
  });
  // JSON only (no urlencoded parser): anything else is answered 415 by the error filter
  const parseJson = adapter.getInstance().getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT }, (request, body, done) => {
    // Meta SDKs (@great-detail/whatsapp) send `Content-Type: application/json` on body-less DELETEs, as Graph allows
    if (body.length === 0 && request.method === 'DELETE') {
      done(null, undefined);
      return;
    }
    const text = body.toString('utf8');
    // refused before parsing: deep nesting would otherwise reach code that walks it recursively
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      const message = `JSON body nested deeper than ${MAX_JSON_DEPTH} levels`;
      done(Object.assign(new Error(message), { statusCode: 400, publicMessage: message }), undefined);
      return;
    }
    void parseJson(request as Parameters<typeof parseJson>[0], text, done);
  });
  // multipart only where media is uploaded, any other type only on the on-premise raw upload; neither
  // is read here: the controller streams it to Meta
  adapter
    .getInstance()
    .addContentTypeParser('multipart/form-data', (request, payload, done) => streamOnlyOn(MULTIPART_ROUTES, request.routeOptions.url, payload, done));
  adapter.getInstance().addContentTypeParser('*', (request, payload, done) => streamOnlyOn(RAW_UPLOAD_ROUTES, request.routeOptions.url, payload, done));
  app.useLogger(app.get(Logger));
  registerConsole(app, config);
  if (config.docs !== 'off') {
    if (config.docs === 'operator') {
      adapter.getInstance().addHook('onRequest', (request, reply, done) => {
        const path = request.url.split('?', 1)[0];
        if ((path === `/${DOCS_PATH}` || path.startsWith(`/${DOCS_PATH}/`)) && !carriesOperatorToken(request.headers.authorization, config.adminToken)) {
          void reply.code(401).header('content-type', 'application/json; charset=utf-8').send({ error: 'invalid or missing operator token' });
          return;
        }
        done();
      });
    }
    const document = { ...buildOpenApiDocument(app), servers: [{ url: config.publicUrl }] };
    SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}/json`, yamlDocumentUrl: `${DOCS_PATH}/yaml` });
  }
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  app.get(Logger).log(`gateway listening on ${config.port}`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError || error instanceof StoredSecretsError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
