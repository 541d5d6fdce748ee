import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery } from '@nestjs/swagger';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { OperatorApi } from '../openapi/api-docs';
import { parseInput, parseUuidParam } from '../operator/operator-requests';
import { listDeadLettersSchema, listDeliveriesSchema, parseReplayRequest } from './deliveries-requests';
import { DeliveriesService, type DeliveryView, type Page } from './deliveries.service';

/** Operator visibility into deliveries and dead letters (docs/delivery.md, Operator tools), behind the ADMIN_TOKEN. */
@OperatorApi()
@Controller('admin/v1')
@UseGuards(AdminAuthGuard)
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  /** Recent deliveries rows of a channel (events not delivered at the first attempt), newest first. */
  @Get('channels/:id/deliveries')
  @ApiOperation({ summary: "A channel's recent delivery attempts (state, status code, latency, attempts, next attempt)" })
  @ApiParam({ name: 'id', description: 'channel id' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  channelDeliveries(@Param('id') id: string, @Query() query: Record<string, string>): Promise<Page<DeliveryView>> {
    return this.deliveries.channelDeliveries(parseUuidParam('id', id), parseInput(listDeliveriesSchema, query));
  }

  @Get('dead-letters')
  @ApiOperation({ summary: 'Events whose retry window ended, newest first' })
  @ApiQuery({ name: 'channel_id', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false })
  deadLetters(@Query() query: Record<string, string>): Promise<Page<DeliveryView>> {
    const parsed = parseInput(listDeadLettersSchema, query);
    return this.deliveries.deadLetters({ ...parsed, channel_id: parsed.channel_id?.toLowerCase() });
  }

  @Post('dead-letters/replay')
  @ApiOperation({ summary: 'Replay dead letters by event ids ({ids}) or by channel and time range ({channel_id, from, to})' })
  @HttpCode(200)
  replay(@Body() body: unknown): Promise<{ replayed: number }> {
    return this.deliveries.replay(parseReplayRequest(body));
  }
}
