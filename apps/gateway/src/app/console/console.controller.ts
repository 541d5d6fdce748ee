import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { parseReplayRequest, listDeadLettersSchema, listDeliveriesSchema } from '../deliveries/deliveries-requests';
import { DeliveriesService, type DeliveryView, type Page } from '../deliveries/deliveries.service';
import { apiError, ApiException } from '../errors/api-exception';
import { createChannelSchema, createClientSchema, parseInput, parseUuidParam } from '../operator/operator-requests';
import { OperatorService, type ChannelView, type ClientView } from '../operator/operator.service';
import { AccountsService, SESSION_SECONDS, type ConsoleSession, type ConsoleUser } from './accounts.service';
import { ConsoleDataService, type ConsoleChannel } from './console-data.service';
import { ConsoleHealthService, type HealthView } from './console-health.service';
import { acceptInviteSchema, inspectInviteSchema, inviteSchema, signInSchema, statementSchema, usageSchema, usageSummarySchema } from './console-requests';
import { clearedSessionCookie, sessionCookie } from './console-security';
import { ConsoleSessionGuard, CurrentSession, OperatorOnly } from './console-session.guard';
import { ConsoleUsageService, type MeteringReply } from './console-usage.service';

interface SessionView {
  user: ConsoleUser;
  csrf_token: string;
}

const sessionView = (session: ConsoleSession): SessionView => ({ user: session.user, csrf_token: session.csrfToken });

/** The client a usage request is about: a client user's own (403 for any other), or the one an operator names. */
function usageClient(user: ConsoleUser, requested: string | undefined): string {
  if (user.role === 'client') {
    if (requested !== undefined && requested.toLowerCase() !== user.client_id) throw apiError(403, 'not your client');
    return user.client_id as string;
  }
  if (requested === undefined) throw apiError(400, 'client_id is required');
  return requested.toLowerCase();
}

function relay(reply: FastifyReply, answer: MeteringReply): void {
  void reply.status(answer.status).header('content-type', answer.contentType);
  if (answer.contentDisposition) void reply.header('content-disposition', answer.contentDisposition);
  void reply.send(answer.body);
}

/** Sign-in, sign-out, the session and invites: the console's accounts (docs/console.md). */
@ApiExcludeController()
@Controller('console/api')
export class ConsoleAuthController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly accounts: AccountsService,
  ) {}

  @Get('session')
  @UseGuards(ConsoleSessionGuard)
  session(@CurrentSession() session: ConsoleSession): SessionView {
    return sessionView(session);
  }

  @Post('sign-in')
  @HttpCode(200)
  async signIn(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionView> {
    const input = parseInput(signInSchema, body);
    const { token, session } = await this.accounts.signIn(input.email, input.password).catch((error: unknown) => {
      const seconds = error instanceof ApiException ? (error.getResponse() as { retry_after_seconds?: number }).retry_after_seconds : undefined;
      if (seconds !== undefined) void reply.header('retry-after', String(seconds));
      throw error;
    });
    void reply.header('set-cookie', sessionCookie(token, SESSION_SECONDS, this.config.console.secureCookies));
    return sessionView(session);
  }

  @Post('sign-out')
  @HttpCode(204)
  @UseGuards(ConsoleSessionGuard)
  async signOut(@CurrentSession() session: ConsoleSession & { token: string }, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.accounts.signOut(session.token);
    void reply.header('set-cookie', clearedSessionCookie(this.config.console.secureCookies));
  }

  @Post('invites/inspect')
  @HttpCode(200)
  inspectInvite(@Body() body: unknown) {
    return this.accounts.inspectInvite(parseInput(inspectInviteSchema, body).token);
  }

  @Post('invites/accept')
  @HttpCode(201)
  acceptInvite(@Body() body: unknown): Promise<{ email: string }> {
    const input = parseInput(acceptInviteSchema, body);
    return this.accounts.acceptInvite(input.token, input.password);
  }

  @Post('invites')
  @HttpCode(201)
  @UseGuards(ConsoleSessionGuard)
  @OperatorOnly()
  createInvite(@Body() body: unknown, @CurrentSession() session: ConsoleSession) {
    return this.accounts.createInvite(parseInput(inviteSchema, body), session.user.id);
  }
}

/** What signed-in users read and change; client users only their own client's numbers. */
@ApiExcludeController()
@Controller('console/api')
@UseGuards(ConsoleSessionGuard)
export class ConsoleDataController {
  constructor(
    private readonly data: ConsoleDataService,
    private readonly operator: OperatorService,
    private readonly deliveries: DeliveriesService,
    private readonly usageApi: ConsoleUsageService,
    private readonly health: ConsoleHealthService,
  ) {}

  @Get('clients')
  @OperatorOnly()
  clients() {
    return this.data.clients();
  }

  @Post('clients')
  @HttpCode(201)
  @OperatorOnly()
  createClient(@Body() body: unknown): Promise<ClientView> {
    return this.operator.createClient(parseInput(createClientSchema, body).name);
  }

  @Get('channels')
  async channels(@CurrentSession() session: ConsoleSession, @Query('client_id') clientId?: string): Promise<{ data: ConsoleChannel[] }> {
    const scope = clientId === undefined || clientId === '' ? undefined : parseUuidParam('client_id', clientId);
    return { data: await this.data.channels(session.user, scope) };
  }

  @Post('channels')
  @HttpCode(201)
  @OperatorOnly()
  createChannel(@Body() body: unknown): Promise<ChannelView> {
    return this.operator.createChannel(parseInput(createChannelSchema, body));
  }

  @Get('channels/:id')
  channel(@CurrentSession() session: ConsoleSession, @Param('id') id: string): Promise<ConsoleChannel> {
    return this.data.channel(session.user, parseUuidParam('id', id));
  }

  /** Generate API key: revokes every older key and drops the bindings (last application wins); shown once. */
  @Post('channels/:id/api-keys')
  @HttpCode(201)
  async issueKey(@CurrentSession() session: ConsoleSession, @Param('id') id: string): Promise<{ id: string; api_key: string }> {
    const channel = await this.data.channel(session.user, parseUuidParam('id', id));
    return this.operator.issueKey(channel.id);
  }

  @Get('channels/:id/deliveries')
  @OperatorOnly()
  channelDeliveries(@Param('id') id: string, @Query() query: Record<string, string>): Promise<Page<DeliveryView>> {
    return this.deliveries.channelDeliveries(parseUuidParam('id', id), parseInput(listDeliveriesSchema, query));
  }

  @Get('dead-letters')
  @OperatorOnly()
  deadLetters(@Query() query: Record<string, string>): Promise<Page<DeliveryView>> {
    const parsed = parseInput(listDeadLettersSchema, query);
    return this.deliveries.deadLetters({ ...parsed, channel_id: parsed.channel_id?.toLowerCase() });
  }

  @Post('dead-letters/replay')
  @HttpCode(200)
  @OperatorOnly()
  replay(@Body() body: unknown): Promise<{ replayed: number }> {
    return this.deliveries.replay(parseReplayRequest(body));
  }

  @Get('usage/summary')
  @OperatorOnly()
  async usageSummary(@Query() query: Record<string, string>) {
    const input = parseInput(usageSummarySchema, query);
    return { from: input.from, to: input.to, clients: await this.data.usageSummary(input.from, input.to) };
  }

  @Get('usage')
  async usage(@CurrentSession() session: ConsoleSession, @Query() query: Record<string, string>, @Res() reply: FastifyReply): Promise<void> {
    const input = parseInput(usageSchema, query);
    relay(reply, await this.usageApi.usage({ ...input, client_id: usageClient(session.user, input.client_id) }));
  }

  @Get('statements/:period')
  async statement(
    @CurrentSession() session: ConsoleSession,
    @Param('period') period: string,
    @Query() query: Record<string, string>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const input = parseInput(statementSchema, { ...query, period });
    relay(reply, await this.usageApi.statement(usageClient(session.user, input.client_id), input.period, input.format));
  }

  @Get('health')
  @OperatorOnly()
  healthView(): Promise<HealthView> {
    return this.health.check();
  }
}
