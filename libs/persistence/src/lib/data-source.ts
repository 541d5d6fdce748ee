import 'reflect-metadata';
import type { SecretBox } from '@wabridge/webhook-security';
import { DataSource } from 'typeorm';
import { ApiKeyEntity } from './entities/api-key.entity';
import { ChannelEntity } from './entities/channel.entity';
import { ClientEntity } from './entities/client.entity';
import { ConsoleInviteEntity, ConsoleSessionEntity, ConsoleUserEntity } from './entities/console.entity';
import { DeliveryStatsEntity } from './entities/delivery-stats.entity';
import { DeliveryEntity } from './entities/delivery.entity';
import { MeteringDedupeEntity, PricedMessageCountEntity, TemplateSendCountEntity } from './entities/metering.entity';
import { OrderedPairEntity } from './entities/ordered-pair.entity';
import { OutboundOutboxEntity } from './entities/outbound-outbox.entity';
import { RecoverRequestEntity } from './entities/recover-request.entity';
import { WebhookDestinationEntity } from './entities/webhook-destination.entity';
import { InitialSchema1764093600000 } from './migrations/1764093600000-initial-schema';
import { BindingChangeNotifications1764094500000 } from './migrations/1764094500000-binding-change-notifications';
import { MultiWebhookEnabled1764094000000 } from './migrations/1764094000000-multi-webhook-enabled';
import { SigningSecretRotation1764094200000 } from './migrations/1764094200000-signing-secret-rotation';
import { OrderedDelivery1764094800000 } from './migrations/1764094800000-ordered-delivery';
import { secretsAtRestMigration } from './migrations/1764096000000-secrets-at-rest';
import { OutboundOutbox1764096100000 } from './migrations/1764096100000-outbound-outbox';
import { checkStoredSecrets, sealStoredSecrets } from './secrets/stored-secrets.repository';
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
  DeliveryStatsEntity,
  OrderedPairEntity,
  OutboundOutboxEntity,
  RecoverRequestEntity,
  TemplateSendCountEntity,
  PricedMessageCountEntity,
  MeteringDedupeEntity,
  ConsoleUserEntity,
  ConsoleInviteEntity,
  ConsoleSessionEntity,
];

/** The migrations in order; the secrets-at-rest migration seals existing rows with `secrets` (SECRETS_KEY). */
export function migrations(secrets?: SecretBox): DataSourceMigrations {
  return [
    InitialSchema1764093600000,
    MultiWebhookEnabled1764094000000,
    SigningSecretRotation1764094200000,
    BindingChangeNotifications1764094500000,
    OrderedDelivery1764094800000,
    secretsAtRestMigration(secrets),
    OutboundOutbox1764096100000,
    DestinationEventFilter1764096120000,
    DeliveryStats1764096180000,
    RecoverRequests1764096240000,
    ConsoleAccounts1764096300000,
    PartnerSlots1764096400000,
  ];
}

type DataSourceMigrations = (new () => { name?: string })[];

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
  /** only where migrations run */
  secrets?: SecretBox;
}

/** The one way services and tools build a DataSource: schema comes from migrations, never synchronize. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: migrations(options.secrets),
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

/** Readiness: resolves once the database answered a trivial statement. */
export async function pingDatabase(dataSource: Pick<DataSource, 'query'>): Promise<void> {
  await dataSource.query('SELECT 1');
}

const MIGRATION_LOCK = 7243001;

/**
 * Applies pending migrations; several processes may call it at once (an advisory lock serialises them).
 * `secrets` (SECRETS_KEY) is needed when stored secrets are still in clear.
 */
export async function runMigrations(url: string, options: { secrets?: SecretBox } = {}): Promise<string[]> {
  const dataSource = createDataSource({ url, poolSize: 2, applicationName: 'wabridge-migrate', secrets: options.secrets });
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

/**
 * What the gateway and the router run before they boot: a missing or wrong SECRETS_KEY stops the
 * process with one clear line instead of failing every delivery later. With `reseal`, values sealed
 * with an older key (after a rotation) are sealed again with the first key of SECRETS_KEY.
 */
export async function prepareStoredSecrets(url: string, box: SecretBox, options: { reseal: boolean; applicationName: string }): Promise<void> {
  const dataSource = createDataSource({ url, poolSize: 1, applicationName: options.applicationName });
  await dataSource.initialize();
  try {
    await checkStoredSecrets(dataSource, box);
    if (options.reseal) await sealStoredSecrets(dataSource, box);
  } finally {
    await dataSource.destroy();
  }
}
