import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { ConfigError } from '@wabridge/config';
import { silenceKnownWarnings, startTracing } from '@wabridge/observability';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { registerConsole } from './app/console/console-static';
import { MULTIPART_ROUTES, RAW_UPLOAD_ROUTES } from './app/media/media-paths';
import { rewriteOnPremiseUrl } from './app/onprem/onprem-base';
import { buildOpenApiDocument, DOCS_PATH } from './app/openapi/openapi-document';
import { loadGatewayConfig } from './config/gateway.config';

const BODY_LIMIT = 1024 * 1024;

/** Leaves the body unread (the controller streams it) on `routes`; anywhere else 415. */
function streamOnlyOn(routes: ReadonlySet<string>, route: string | undefined, payload: { resume(): unknown }, done: (error: Error | null, body?: undefined) => void): void {
  if (routes.has(route ?? '')) {
    done(null, undefined);
    return;
  }
  // read and drop the body, so the client can finish sending and read the 415
  payload.resume();
  done(Object.assign(new Error('unsupported content type'), { statusCode: 415 }), undefined);
}

async function bootstrap(): Promise<void> {
  silenceKnownWarnings();
  // before anything else: off (and not loaded) unless an OTEL_* exporter is configured
  startTracing('gateway');
  const config = loadGatewayConfig(process.env);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    // the whole partner API is also served under /onprem
    rewriteUrl: rewriteOnPremiseUrl,
  });
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
    void parseJson(request as Parameters<typeof parseJson>[0], body.toString('utf8'), done);
  });
  // multipart only where media is uploaded, any other type only on the on-premise raw upload; neither
  // is read here: the controller streams it to Meta
  adapter.getInstance().addContentTypeParser('multipart/form-data', (request, payload, done) =>
    streamOnlyOn(MULTIPART_ROUTES, request.routeOptions.url, payload, done),
  );
  adapter.getInstance().addContentTypeParser('*', (request, payload, done) => streamOnlyOn(RAW_UPLOAD_ROUTES, request.routeOptions.url, payload, done));
  app.useLogger(app.get(Logger));
  registerConsole(app, config);
  const document = { ...buildOpenApiDocument(app), servers: [{ url: config.publicUrl }] };
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}/json`, yamlDocumentUrl: `${DOCS_PATH}/yaml` });
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  app.get(Logger).log(`gateway listening on ${config.port}`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
