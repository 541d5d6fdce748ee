import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { constantTimeEqual } from '@wabridge/util';
import { apiError } from '../errors/api-exception';
import { AccountsService, type ConsoleSession } from './accounts.service';
import { sessionTokenOf } from './console-security';

const OPERATOR_ONLY = 'wabridge:console-operator-only';
/** Only operators may call the route; client users get 403. */
export const OperatorOnly = () => SetMetadata(OPERATOR_ONLY, true);

type ConsoleRequest = FastifyRequest & { consoleSession?: ConsoleSession; consoleToken?: string };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A signed-in console user (401 otherwise); every change (any method but GET/HEAD) must carry the
 * session's CSRF token in `X-CSRF-Token` (403 otherwise). Sessions live in PostgreSQL, so signing out
 * ends them on every gateway instance at once.
 */
@Injectable()
export class ConsoleSessionGuard implements CanActivate {
  constructor(
    private readonly accounts: AccountsService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const token = sessionTokenOf(request.headers.cookie);
    const session = token ? await this.accounts.session(token) : undefined;
    if (!token || !session) throw apiError(401, 'sign in first');
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !constantTimeEqual(sent, session.csrfToken)) throw apiError(403, 'missing or invalid CSRF token');
    }
    const operatorOnly = this.reflector.getAllAndOverride<boolean>(OPERATOR_ONLY, [context.getHandler(), context.getClass()]);
    if (operatorOnly && session.user.role !== 'operator') throw apiError(403, 'operators only');
    request.consoleSession = session;
    request.consoleToken = token;
    return true;
  }
}

/** The session the guard admitted. */
export const CurrentSession = createParamDecorator((_data: unknown, context: ExecutionContext): ConsoleSession & { token: string } => {
  const request = context.switchToHttp().getRequest<ConsoleRequest>();
  if (!request.consoleSession || !request.consoleToken) throw apiError(401, 'sign in first');
  return { ...request.consoleSession, token: request.consoleToken };
});
