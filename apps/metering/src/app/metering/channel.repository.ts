import { Inject, Injectable } from '@nestjs/common';
import { ChannelEntity } from '@wabridge/persistence';
import { type DataSource, In } from 'typeorm';
import { METERING_DATA_SOURCE } from '../database/database.module';
import type { Attribution } from './metering-batch';

/** Which client and channel a business number belongs to (`channels`, read only). */
@Injectable()
export class ChannelRepository {
  constructor(@Inject(METERING_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** The attribution of each given number that a channel has; numbers without one are absent. */
  async attributions(phoneNumberIds: string[]): Promise<Map<string, Attribution>> {
    const channels = await this.dataSource.getRepository(ChannelEntity).find({
      select: { id: true, clientId: true, phoneNumberId: true },
      where: { phoneNumberId: In(phoneNumberIds) },
    });
    return new Map(channels.map((channel) => [channel.phoneNumberId, { clientId: channel.clientId, channelId: channel.id }]));
  }
}
