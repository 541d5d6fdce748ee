import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, httpServerTimeouts } from '@wabridge/config';
import { silenceKnownWarnings, startTracing } from '@wabridge/observability';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { loadMeteringConfig } from './config/metering.config';

async function bootstrap(): Promise<void> {
  silenceKnownWarnings();
  // before anything else: off (and not loaded) unless an OTEL_* exporter is configured
  startTracing('metering', process.env);
  const config = loadMeteringConfig(process.env);
  const adapter = new FastifyAdapter({ trustProxy: false, ...httpServerTimeouts(config.httpRequestTimeoutMs) });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  app.get(Logger).log(`metering listening on ${config.port}`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
