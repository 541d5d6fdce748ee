import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { apiError } from '../errors/api-exception';
import {
  createChannelSchema,
  createClientSchema,
  listChannelsSchema,
  parseInput,
  isPartnerId,
  parseUuidParam,
} from './operator-requests';
import { OperatorService, type ChannelStatusView, type ChannelView, type ClientView } from './operator.service';

/** Operator API (SPEC §5), behind the ADMIN_TOKEN. */
@Controller('admin/v1')
@UseGuards(AdminAuthGuard)
export class OperatorController {
  constructor(private readonly operator: OperatorService) {}

  @Post('clients')
  @HttpCode(201)
  createClient(@Body() body: unknown): Promise<ClientView> {
    return this.operator.createClient(parseInput(createClientSchema, body).name);
  }

  @Post('channels')
  @HttpCode(201)
  createChannel(@Body() body: unknown): Promise<ChannelView> {
    return this.operator.createChannel(parseInput(createChannelSchema, body));
  }

  @Get('channels')
  listChannels(@Query() query: Record<string, string>): Promise<{ data: ChannelStatusView[]; next_cursor: string | null }> {
    return this.operator.listChannels(parseInput(listChannelsSchema, query));
  }

  @Get('channels/:id')
  getChannel(@Param('id') id: string): Promise<ChannelStatusView> {
    return this.operator.getChannel(parseUuidParam('id', id));
  }

  @Post('channels/:id/api-keys')
  @HttpCode(201)
  issueKey(@Param('id') id: string): Promise<{ id: string; api_key: string }> {
    return this.operator.issueKey(parseUuidParam('id', id));
  }
}

/** 360dialog's partner API form of key issuing. The partner id is checked for shape and not recorded. */
@Controller('api/v2/partners/:partnerId/channels/:channelId')
@UseGuards(AdminAuthGuard)
export class PartnerKeysController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly operator: OperatorService,
  ) {}

  @Post('api_keys')
  @HttpCode(201)
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
