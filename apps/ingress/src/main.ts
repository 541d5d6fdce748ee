import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer, type RequestListener } from 'node:http';
import { ConfigError, httpServerTimeouts } from '@wabridge/config';
import { applyHeapPolicy, silenceKnownWarnings, startTracing } from '@wabridge/observability';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { WebhookPublisherService } from './app/webhooks/webhook-publisher.service';
import { WebhookReceiver } from './app/webhooks/webhook-receiver';
import { loadIngressConfig } from './config/ingress.config';

const BODY_LIMIT = 3 * 1024 * 1024;

async function bootstrap(): Promise<void> {
  silenceKnownWarnings();
  // before anything else: off (and not loaded) unless an OTEL_* exporter is configured
  startTracing('ingress', process.env);
  applyHeapPolicy();
  const config = loadIngressConfig(process.env);
  // the webhooks themselves are taken on node:http before Fastify sees them (WebhookReceiver)
  const receiver = new WebhookReceiver(BODY_LIMIT, config.maxBytesInFlight);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    serverFactory: (handler: RequestListener) => {
      // what Fastify would set on a server of its own
      const timeouts = httpServerTimeouts(config.httpRequestTimeoutMs);
      const server = createServer(timeouts.http, receiver.listener(handler));
      server.setTimeout(timeouts.connectionTimeout);
      return server;
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true, bodyParser: false });
  const logger = app.get(Logger);
  app.useLogger(logger);
  // the error's type only: its message could quote the body
  receiver.attach(app.get(WebhookPublisherService), (error) => logger.error(`webhook handling failed: ${(error as Error)?.name ?? 'unknown'}`));
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  logger.log(`ingress listening on ${config.port}`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
