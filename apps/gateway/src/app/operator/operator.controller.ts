import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, type SchemaObject } from '@nestjs/swagger';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { apiError } from '../errors/api-exception';
import { channelStatusSchema, OperatorApi, Schemas } from '../openapi/api-docs';
import {
  createChannelSchema,
  createClientSchema,
  issueKeySchema,
  listChannelsSchema,
  parseInput,
  isPartnerId,
  parseSlotParam,
  parseUuidParam,
  partnerSlotsSchema,
} from './operator-requests';
import { OperatorService, type ChannelStatusView, type ChannelView, type ClientView, type SlotReleaseView } from './operator.service';

const slotBody = {
  schema: {
    type: 'object',
    properties: {
      slot: {
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$',
        default: '1',
        description: 'the partner slot the key is for: an anonymous label such as 1, 2 or chatbot (default 1)',
      },
    },
  },
  required: false,
};

const issuedKey: SchemaObject = { type: 'object', properties: { id: { type: 'string' }, api_key: { type: 'string' }, slot: { type: 'string' } } };
const slotsError: SchemaObject = {
  type: 'object',
  required: ['error', 'bound_slots'],
  properties: { error: { type: 'string' }, bound_slots: { type: 'array', items: { type: 'string' } } },
} as const;

/** Operator API (README, API summary; docs/openapi.json), behind the ADMIN_TOKEN. */
@Controller('admin/v1')
@UseGuards(AdminAuthGuard)
@OperatorApi()
@ApiResponse({ status: 400, description: 'invalid input, naming the field', schema: Schemas.apiError })
export class OperatorController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly operator: OperatorService,
  ) {}

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
      properties: {
        client_id: { type: 'string', format: 'uuid' },
        phone_number_id: { type: 'string' },
        waba_id: { type: 'string' },
        display_phone_number: { type: 'string' },
      },
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
  @ApiResponse({
    status: 200,
    schema: { type: 'object', properties: { data: { type: 'array', items: channelStatusSchema }, next_cursor: { type: 'string', nullable: true } } },
  })
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

  @Patch('channels/:id')
  @ApiOperation({
    summary: 'Set how many partner slots the channel has',
    description:
      'Each slot has its own key and webhook destinations; every inbound event reaches every slot. Default 1 (one partner). ' +
      'At most PARTNER_SLOTS_MAX. Lowering below the slots in use answers 409 naming them (`bound_slots`).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ schema: { type: 'object', required: ['partner_slots'], properties: { partner_slots: { type: 'integer', minimum: 1 } } } })
  @ApiResponse({ status: 200, schema: channelStatusSchema })
  @ApiResponse({ status: 404, schema: Schemas.apiError })
  @ApiResponse({ status: 409, description: 'lower than the slots in use', schema: slotsError })
  setPartnerSlots(@Param('id') id: string, @Body() body: unknown): Promise<ChannelStatusView> {
    const channelId = parseUuidParam('id', id);
    return this.operator.setPartnerSlots(channelId, parseInput(partnerSlotsSchema(this.config.partnerSlotsMax), body).partner_slots);
  }

  @Post('channels/:id/api-keys')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Issue a new partner key for a slot (shown once)',
    description:
      "Revokes the older keys of that slot and drops the slot's webhook destinations (primary and /multi_webhook extras); other slots keep theirs. " +
      'With one partner slot, every older key and destination of the channel goes. A numbered slot beyond partner_slots answers 400; ' +
      'a new slot when every slot is in use answers 409 naming them.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(slotBody)
  @ApiResponse({ status: 201, schema: issuedKey })
  @ApiResponse({ status: 404, schema: Schemas.apiError })
  @ApiResponse({ status: 409, description: 'every partner slot is in use', schema: slotsError })
  issueKey(@Param('id') id: string, @Body() body: unknown): Promise<{ id: string; api_key: string; slot: string }> {
    const channelId = parseUuidParam('id', id);
    return this.operator.issueKey(channelId, parseInput(issueKeySchema, body).slot);
  }

  @Delete('channels/:id/slots/:slot')
  @ApiOperation({
    summary: 'Free a partner slot',
    description: "Revokes the slot's keys and drops its webhook destinations, so partner_slots can be lowered. 404 when the slot is not in use.",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'slot' })
  @ApiResponse({
    status: 200,
    schema: { type: 'object', properties: { slot: { type: 'string' }, keys_revoked: { type: 'integer' }, destinations_dropped: { type: 'integer' } } },
  })
  @ApiResponse({ status: 404, description: 'unknown channel or slot not in use', schema: Schemas.apiError })
  releaseSlot(@Param('id') id: string, @Param('slot') slot: string): Promise<SlotReleaseView> {
    const channelId = parseUuidParam('id', id);
    return this.operator.releaseSlot(channelId, parseSlotParam(slot));
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
  @ApiBody(slotBody)
  @ApiResponse({
    status: 201,
    schema: {
      type: 'object',
      properties: {
        api_keys: {
          type: 'array',
          items: {
            type: 'object',
            properties: { address: { type: 'string' }, api_key: { type: 'string' }, app_id: { type: 'string' }, id: { type: 'string' } },
          },
        },
      },
    },
  })
  async issueKey(
    @Param('partnerId') partnerId: string,
    @Param('channelId') channelId: string,
    @Body() body: unknown,
  ): Promise<{ api_keys: { address: string; api_key: string; app_id: string; id: string }[] }> {
    if (!isPartnerId(partnerId)) throw apiError(400, 'partner_id must be 1 to 64 letters, digits, - or _');
    const id = parseUuidParam('channel_id', channelId);
    const key = await this.operator.issueKey(id, parseInput(issueKeySchema, body).slot);
    // 360dialog's shape exactly: the slot is the one asked for (default `1`)
    return { api_keys: [{ address: this.config.publicUrl, api_key: key.api_key, app_id: id, id: key.id }] };
  }
}
