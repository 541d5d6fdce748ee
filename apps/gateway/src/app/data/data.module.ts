import { Module } from '@nestjs/common';
import { ApiKeysRepository } from './api-keys.repository';
import { ChannelsRepository } from './channels.repository';
import { ClientsRepository } from './clients.repository';
import { DeliveriesRepository } from './deliveries.repository';
import { DestinationsRepository } from './destinations.repository';
import { Transactions } from './transactions';

/**
 * The repositories several gateway features share, and the transaction runner. A repository only
 * one feature uses lives in that feature's folder (docs/architecture.md, Data access).
 */
@Module({
  providers: [ApiKeysRepository, ChannelsRepository, ClientsRepository, DestinationsRepository, DeliveriesRepository, Transactions],
  exports: [ApiKeysRepository, ChannelsRepository, ClientsRepository, DestinationsRepository, DeliveriesRepository, Transactions],
})
export class DataModule {}
