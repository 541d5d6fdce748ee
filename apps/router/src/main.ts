import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, httpServerTimeouts } from '@wabridge/config';
import { prepareStoredSecrets, StoredSecretsError } from '@wabridge/persistence';
import { applyHeapPolicy, silenceKnownWarnings, startTracing } from '@wabridge/observability';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { loadRouterConfig } from './config/router.config';

async function bootstrap(): Promise<void> {
  silenceKnownWarnings();
  // before anything else: off (and not loaded) unless an OTEL_* exporter is configured
  startTracing('router', process.env);
  applyHeapPolicy();
  const config = loadRouterConfig(process.env);
  await prepareStoredSecrets(config.databaseUrl, config.secrets, { reseal: false, applicationName: 'wabridge-router-secrets' });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter({ trustProxy: false, ...httpServerTimeouts(config.httpRequestTimeoutMs) }),
    {
      bufferLogs: true,
    },
  );
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  app.get(Logger).log(`router listening on ${config.port}`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError || error instanceof StoredSecretsError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
