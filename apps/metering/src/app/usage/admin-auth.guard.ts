import { type CanActivate, type ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import { constantTimeEqual } from '@wabridge/util';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { METERING_CONFIG, type MeteringConfig } from '../../config/metering.config';

/**
 * Whether an Authorization header carries `Bearer <token>`. The comparison is constant-time and does
 * not reveal the token's length either.
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  const presented = match ? match[1] : '';
  const equal = constantTimeEqual(presented, token);
  return match !== null && equal;
}

/**
 * The operator's reports: `Authorization: Bearer <ADMIN_TOKEN>`, checked before the query. Every
 * answer, a refusal included, is marked uncacheable.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(@Inject(METERING_CONFIG) private readonly config: MeteringConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    http.getResponse<FastifyReply>().header('cache-control', 'no-store');
    if (!bearerMatches(http.getRequest<FastifyRequest>().headers.authorization, this.config.adminToken)) {
      throw new HttpException({ error: 'invalid or missing admin token (Authorization: Bearer <ADMIN_TOKEN>)' }, 401);
    }
    return true;
  }
}
