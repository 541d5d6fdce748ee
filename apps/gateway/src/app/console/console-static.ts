import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { GatewayConfig } from '../../config/gateway.config';
import { CONSOLE_PATH, CONSOLE_SECURITY_HEADERS } from './console-security';

/**
 * Serves the built console (apps/console, `npm run build:console`) under /console, and puts the
 * console's security headers (a strict CSP without inline script, no framing, no referrer) on every
 * /console response, API included. Hashed assets are cached for a year; index.html never.
 * Without a build, /console answers 503 naming the command; the API works either way.
 */
export function registerConsole(app: NestFastifyApplication, config: GatewayConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (request.url === CONSOLE_PATH || request.url.startsWith(`${CONSOLE_PATH}/`)) {
      for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) void reply.header(name, value);
      if (request.url.startsWith(`${CONSOLE_PATH}/api/`)) void reply.header('cache-control', 'no-store');
    }
    done(null, payload);
  });
  const root = resolve(config.console.dir);
  if (!existsSync(resolve(root, 'index.html'))) {
    fastify.get(CONSOLE_PATH, (_request, reply) =>
      reply.status(503).type('text/plain; charset=utf-8').send('the console is not built: run `npm run build:console`\n'),
    );
    return;
  }
  fastify.get(CONSOLE_PATH, (_request, reply) => reply.redirect(`${CONSOLE_PATH}/`, 302));
  app.useStaticAssets({
    root,
    prefix: `${CONSOLE_PATH}/`,
    // one route per file, found at start: static routes win over the Graph-style `/:version/:id` patterns
    wildcard: false,
    index: ['index.html'],
    // @fastify/static 10 hands over the fastify reply (Nest's typing still names the raw response)
    setHeaders: (response: object, path: string) => {
      (response as { header(name: string, value: string): unknown }).header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}
