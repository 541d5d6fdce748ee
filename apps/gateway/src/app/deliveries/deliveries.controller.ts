import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { parseInput, parseUuidParam } from '../operator/operator-requests';
import { listDeadLettersSchema, listDeliveriesSchema, parseReplayRequest } from './deliveries-requests';
import { DeliveriesService, type DeliveryView, type Page } from './deliveries.service';

/** Operator visibility into deliveries and dead letters (SPEC §6), behind the ADMIN_TOKEN. */
@Controller('admin/v1')
@UseGuards(AdminAuthGuard)
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  /** Recent deliveries rows of a channel (events not delivered at the first attempt), newest first. */
  @Get('channels/:id/deliveries')
  channelDeliveries(@Param('id') id: string, @Query() query: Record<string, string>): Promise<Page<DeliveryView>> {
    return this.deliveries.channelDeliveries(parseUuidParam('id', id), parseInput(listDeliveriesSchema, query));
  }

  @Get('dead-letters')
  deadLetters(@Query() query: Record<string, string>): Promise<Page<DeliveryView>> {
    const parsed = parseInput(listDeadLettersSchema, query);
    return this.deliveries.deadLetters({ ...parsed, channel_id: parsed.channel_id?.toLowerCase() });
  }

  @Post('dead-letters/replay')
  @HttpCode(200)
  replay(@Body() body: unknown): Promise<{ replayed: number }> {
    return this.deliveries.replay(parseReplayRequest(body));
  }
}
