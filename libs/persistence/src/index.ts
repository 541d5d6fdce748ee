export * from './lib/data-source';
export * from './lib/entities/client.entity';
export * from './lib/entities/channel.entity';
export * from './lib/entities/api-key.entity';
export * from './lib/entities/webhook-destination.entity';
export * from './lib/entities/delivery.entity';
export * from './lib/entities/metering.entity';
export * from './lib/change-listener';
