import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, httpServerTimeouts } from '@wabridge/config';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { loadWaSimConfig } from './config/wa-sim.config';

const BODY_LIMIT = 3 * 1024 * 1024;
/** Meta accepts media uploads of up to 100 MB. */
const MEDIA_BODY_LIMIT = 100 * 1024 * 1024;

/** the simulator takes large media uploads too */
const SIM_REQUEST_TIMEOUT_MS = 300_000;

async function bootstrap(): Promise<void> {
  const config = loadWaSimConfig(process.env);
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT, trustProxy: false, ...httpServerTimeouts(SIM_REQUEST_TIMEOUT_MS) });
  // rawBody: /sim/webhook forwards the exact bytes it was given, as Meta signs exact bytes
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    rawBody: true,
  });
  // media uploads: the simulator parses the multipart form itself (MediaController)
  adapter
    .getInstance()
    .addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: MEDIA_BODY_LIMIT }, (_request, body, done) => done(null, body));
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  app.get(Logger).log(`wa-sim listening on ${config.port}`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
