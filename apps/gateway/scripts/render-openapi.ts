import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from '../src/app/app.module';
import { buildOpenApiDocument } from '../src/app/openapi/openapi-document';
import { loadGatewayConfig } from '../src/config/gateway.config';

/** Any valid configuration will do: in preview mode nothing connects, only the routes are read. */
const PLACEHOLDER_ENV = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://wabridge@127.0.0.1:5432/wabridge',
  ADMIN_TOKEN: 'placeholder',
  GRAPH_API_URL: 'https://graph.facebook.com',
  GRAPH_API_TOKEN: 'placeholder',
  PUBLIC_URL: 'https://wabridge.example',
  LOG_LEVEL: 'silent',
  SECRETS_KEY: `render:${randomBytes(32).toString('base64')}`,
  // placeholders, never a running service
  WABRIDGE_ALLOW_WEAK_SECRETS: 'true',
};

/** The gateway's OpenAPI document as committed in docs/openapi.json. */
export async function renderOpenApiDocument(): Promise<string> {
  const app = await NestFactory.create(AppModule.forRoot(loadGatewayConfig(PLACEHOLDER_ENV)), new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  } finally {
    await app.close();
  }
}
