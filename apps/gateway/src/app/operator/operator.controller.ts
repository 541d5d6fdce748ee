import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { apiError } from '../errors/api-exception';
import { channelStatusSchema, OperatorApi, Schemas } from '../openapi/api-docs';
import {
  createChannelSchema,
  createClientSchema,
  listChannelsSchema,
  parseInput,
  isPartnerId,
  parseUuidParam,
} from './operator-requests';
import { OperatorService, type ChannelStatusView, type ChannelView, type ClientView } from './operator.service';

/** Operator API (README, API summary; docs/openapi.json), behind the ADMIN_TOKEN. */
@Controller('admin/v1')
@UseGuards(AdminAuthGuard)
@OperatorApi()
@ApiResponse({ status: 400, description: 'invalid input, naming the field', schema: Schemas.apiError })
export class OperatorController {
  constructor(private readonly operator: OperatorService) {}

  @Post('clients')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a client' })
  @ApiBody({ schema: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 200 } } } })
  @ApiResponse({ status: 201, schema: Schemas.client })
  createClient(@Body() body: unknown): Promise<ClientView> {
    return this.operator.createClient(parseInput(createClientSchema, body).name);
  }

  @Post('channels')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a channel (a WhatsApp number of a client)' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['client_id', 'phone_number_id', 'waba_id', 'display_phone_number'],
      properties: { client_id: { type: 'string', format: 'uuid' }, phone_number_id: { type: 'string' }, waba_id: { type: 'string' }, display_phone_number: { type: 'string' } },
    },
  })
  @ApiResponse({ status: 201, schema: Schemas.channel })
  @ApiResponse({ status: 404, description: 'unknown client', schema: Schemas.apiError })
  @ApiResponse({ status: 409, description: 'phone_number_id already registered', schema: Schemas.apiError })
  createChannel(@Body() body: unknown): Promise<ChannelView> {
    return this.operator.createChannel(parseInput(createChannelSchema, body));
  }

  @Get('channels')
  @ApiOperation({ summary: 'Channels with their binding status (URL host only)' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } })
  @ApiQuery({ name: 'client_id', required: false })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { data: { type: 'array', items: channelStatusSchema }, next_cursor: { type: 'string', nullable: true } } } })
  listChannels(@Query() query: Record<string, string>): Promise<{ data: ChannelStatusView[]; next_cursor: string | null }> {
    return this.operator.listChannels(parseInput(listChannelsSchema, query));
  }

  @Get('channels/:id')
  @ApiOperation({ summary: 'One channel with its binding status' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, schema: channelStatusSchema })
  @ApiResponse({ status: 404, schema: Schemas.apiError })
  getChannel(@Param('id') id: string): Promise<ChannelStatusView> {
    return this.operator.getChannel(parseUuidParam('id', id));
  }

  @Post('channels/:id/api-keys')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Issue a new partner key (shown once)',
    description: "Revokes every older key of the channel and drops all its webhook destinations (primary and /multi_webhook extras).",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 201, schema: { type: 'object', properties: { id: { type: 'string' }, api_key: { type: 'string' } } } })
  @ApiResponse({ status: 404, schema: Schemas.apiError })
  issueKey(@Param('id') id: string): Promise<{ id: string; api_key: string }> {
    return this.operator.issueKey(parseUuidParam('id', id));
  }
}

/** 360dialog's partner API form of key issuing. The partner id is checked for shape and not recorded. */
@Controller('api/v2/partners/:partnerId/channels/:channelId')
@UseGuards(AdminAuthGuard)
@OperatorApi()
export class PartnerKeysController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly operator: OperatorService,
  ) {}

  @Post('api_keys')
  @HttpCode(201)
  @ApiOperation({ summary: "Issue a new partner key, 360dialog's partner API form", description: '`address` is PUBLIC_URL.' })
  @ApiParam({ name: 'partnerId' })
  @ApiParam({ name: 'channelId', format: 'uuid' })
  @ApiResponse({
    status: 201,
    schema: { type: 'object', properties: { api_keys: { type: 'array', items: { type: 'object', properties: { address: { type: 'string' }, api_key: { type: 'string' }, app_id: { type: 'string' }, id: { type: 'string' } } } } } },
  })
  async issueKey(
    @Param('partnerId') partnerId: string,
    @Param('channelId') channelId: string,
  ): Promise<{ api_keys: { address: string; api_key: string; app_id: string; id: string }[] }> {
    if (!isPartnerId(partnerId)) throw apiError(400, 'partner_id must be 1 to 64 letters, digits, - or _');
    const id = parseUuidParam('channel_id', channelId);
    const key = await this.operator.issueKey(id);
    return { api_keys: [{ address: this.config.publicUrl, api_key: key.api_key, app_id: id, id: key.id }] };
  }
}
