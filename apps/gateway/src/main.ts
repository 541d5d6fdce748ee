import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '@wabridge/config';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { loadGatewayConfig } from './config/gateway.config';

const BODY_LIMIT = 1024 * 1024;

async function bootstrap(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT, trustProxy: false });
  // rawBody: Cloud-style sends are forwarded to Meta byte for byte
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    rawBody: true,
  });
  // JSON only (no urlencoded parser): anything else is answered 415 by the error filter
  const parseJson = adapter.getInstance().getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT }, (request, body, done) =>
    parseJson(request as Parameters<typeof parseJson>[0], body.toString('utf8'), done),
  );
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  app.get(Logger).log(`gateway listening on ${config.port}`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
