import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { apiError } from '../errors/api-exception';
import { bearerToken } from './api-key';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Operator API: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time (over digests, so length leaks nothing). */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.expected = digest(config.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = bearerToken(request.headers.authorization);
    if (token === undefined || !timingSafeEqual(digest(token), this.expected)) {
      throw apiError(401, 'invalid or missing operator token');
    }
    return true;
  }
}
