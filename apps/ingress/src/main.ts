import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '@wabridge/config';
import { silenceKnownWarnings } from '@wabridge/observability';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { loadIngressConfig } from './config/ingress.config';

const BODY_LIMIT = 3 * 1024 * 1024;

async function bootstrap(): Promise<void> {
  silenceKnownWarnings();
  const config = loadIngressConfig(process.env);
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT, trustProxy: false });
  // Signatures are computed over the raw bytes, so every body is kept as a Buffer.
  const fastify = adapter.getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  app.get(Logger).log(`ingress listening on ${config.port}`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
