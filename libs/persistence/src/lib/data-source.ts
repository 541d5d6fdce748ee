import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ApiKeyEntity } from './entities/api-key.entity';
import { ChannelEntity } from './entities/channel.entity';
import { ClientEntity } from './entities/client.entity';
import { DeliveryEntity } from './entities/delivery.entity';
import { MeteringDedupeEntity, PricedMessageCountEntity, TemplateSendCountEntity } from './entities/metering.entity';
import { WebhookDestinationEntity } from './entities/webhook-destination.entity';
import { InitialSchema1764093600000 } from './migrations/1764093600000-initial-schema';
import { BindingChangeNotifications1764094500000 } from './migrations/1764094500000-binding-change-notifications';
import { MultiWebhookEnabled1764094000000 } from './migrations/1764094000000-multi-webhook-enabled';
import { SigningSecretRotation1764094200000 } from './migrations/1764094200000-signing-secret-rotation';
import { OrderedDelivery1764094800000 } from './migrations/1764094800000-ordered-delivery';
import { DestinationEventFilter1764096120000 } from './migrations/1764096120000-destination-event-filter';
import { DeliveryStats1764096180000 } from './migrations/1764096180000-delivery-stats';
import { RecoverRequests1764096240000 } from './migrations/1764096240000-recover-requests';
import { ConsoleAccounts1764096300000 } from './migrations/1764096300000-console-accounts';
import { PartnerSlots1764096400000 } from './migrations/1764096400000-partner-slots';

export const ENTITIES = [
  ClientEntity,
  ChannelEntity,
  ApiKeyEntity,
  WebhookDestinationEntity,
  DeliveryEntity,
  TemplateSendCountEntity,
  PricedMessageCountEntity,
  MeteringDedupeEntity,
];

export const MIGRATIONS = [
  InitialSchema1764093600000,
  MultiWebhookEnabled1764094000000,
  SigningSecretRotation1764094200000,
  BindingChangeNotifications1764094500000,
  OrderedDelivery1764094800000,
  DestinationEventFilter1764096120000,
  DeliveryStats1764096180000,
  RecoverRequests1764096240000,
  ConsoleAccounts1764096300000,
  PartnerSlots1764096400000,
];

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
}

/** The one way services and tools build a DataSource: schema comes from migrations, never synchronize. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'wabridge',
      connectionTimeoutMillis: 5000,
    },
  });
}

const MIGRATION_LOCK = 7243001;

/** Applies pending migrations; several processes may call it at once (an advisory lock serialises them). */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'wabridge-migrate' });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
}
