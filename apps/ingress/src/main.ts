import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer, type RequestListener } from 'node:http';
import { ConfigError } from '@wabridge/config';
import { applyHeapPolicy, silenceKnownWarnings, startTracing } from '@wabridge/observability';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { WebhookPublisherService } from './app/webhooks/webhook-publisher.service';
import { WebhookReceiver } from './app/webhooks/webhook-receiver';
import { loadIngressConfig } from './config/ingress.config';

const BODY_LIMIT = 3 * 1024 * 1024;
/** Fastify's default, which a server of our own does not get from Fastify */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

async function bootstrap(): Promise<void> {
  silenceKnownWarnings();
  // before anything else: off (and not loaded) unless an OTEL_* exporter is configured
  startTracing('ingress');
  applyHeapPolicy();
  const config = loadIngressConfig(process.env);
  // the webhooks themselves are taken on node:http before Fastify sees them (WebhookReceiver)
  const receiver = new WebhookReceiver(BODY_LIMIT);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    serverFactory: (handler: RequestListener) => {
      const server = createServer(receiver.listener(handler));
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
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
