import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { constantTimeEqual } from '@wabridge/util';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { apiError } from '../errors/api-exception';
import { bearerToken } from './api-key';

/** Whether an Authorization header carries the operator token (constant time, over digests). */
export function carriesOperatorToken(authorization: string | undefined, adminToken: string): boolean {
  const token = bearerToken(authorization);
  return token !== undefined && constantTimeEqual(token, adminToken);
}

/** Operator API: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time (over digests, so length leaks nothing). */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!carriesOperatorToken(request.headers.authorization, this.config.adminToken)) {
      throw apiError(401, 'invalid or missing operator token');
    }
    return true;
  }
}
