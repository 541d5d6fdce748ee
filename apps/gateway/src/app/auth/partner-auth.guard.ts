import { type CanActivate, createParamDecorator, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { metricsRegistry } from '@wabridge/observability';
import { Counter } from 'prom-client';
import { apiError, ApiException, isMetaStylePath, metaErrorBody } from '../errors/api-exception';
import type { SendRateLimiter } from '../messages/send-rate-limiter';
import { bearerToken } from './api-key';
import { PartnerAuthService, type PartnerChannel } from './partner-auth.service';

const ALLOW_BEARER_KEY = 'wabridge:allow-bearer-key';

/**
 * On Graph-style paths Meta SDKs send the key as `Authorization: Bearer <key>`, and Meta-style
 * clients (Chatwoot's Cloud inbox) as the `access_token` query parameter, as Graph accepts it.
 */
export const AllowBearerKey = () => SetMetadata(ALLOW_BEARER_KEY, true);

type AuthenticatedRequest = FastifyRequest & { partnerChannel?: PartnerChannel };

const refused = new Counter({
  name: 'wabridge_gateway_auth_refused_total',
  help: 'Partner requests refused for a missing, unknown or revoked API key',
  registers: [metricsRegistry],
});

const limited = new Counter({
  name: 'wabridge_gateway_partner_rate_limited_total',
  help: 'Partner requests refused with 429 because their key exceeded PARTNER_RATE_LIMIT_PER_S',
  registers: [metricsRegistry],
});

function accessToken(query: unknown): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.access_token;
  return typeof value === 'string' ? value : undefined;
}

export const INVALID_KEY_MESSAGE = 'Invalid or missing D360-API-KEY';

/** The per-key bucket every partner route draws from (see AuthModule). */
export const PARTNER_RATE_LIMITER = Symbol('PARTNER_RATE_LIMITER');

/**
 * Partner authentication with `D360-API-KEY` (and Bearer where allowed), then the key's share of the
 * partner API: every route behind this guard — whoever adds it — is rate limited per key, answering
 * 429 with Retry-After (in Meta's shape on Meta-style paths). The key is never logged.
 */
@Injectable()
export class PartnerAuthGuard implements CanActivate {
  constructor(
    private readonly auth: PartnerAuthService,
    private readonly reflector: Reflector,
    @Inject(PARTNER_RATE_LIMITER) private readonly limiter: SendRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers['d360-api-key'];
    let key = typeof header === 'string' ? header.trim() : undefined;
    if (key === undefined && this.reflector.get<boolean>(ALLOW_BEARER_KEY, context.getHandler())) {
      key = bearerToken(request.headers.authorization) ?? accessToken(request.query);
    }
    const channel = await this.auth.authenticate(key);
    if (!channel) {
      refused.inc();
      throw apiError(401, INVALID_KEY_MESSAGE);
    }
    const decision = this.limiter.take(channel.keyId);
    if (!decision.allowed) {
      limited.inc();
      context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(decision.retryAfterSeconds));
      throw new ApiException(
        429,
        isMetaStylePath(request.url) ? metaErrorBody('(#4) Application request limit reached', 4) : { error: 'rate limit exceeded: slow down' },
      );
    }
    request.partnerChannel = channel;
    return true;
  }
}

/** The channel of the request's key (set by PartnerAuthGuard). */
export const Partner = createParamDecorator((_data: unknown, context: ExecutionContext): PartnerChannel => {
  const channel = context.switchToHttp().getRequest<AuthenticatedRequest>().partnerChannel;
  if (!channel) throw apiError(401, INVALID_KEY_MESSAGE);
  return channel;
});
