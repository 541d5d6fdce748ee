import { randomBytes } from 'node:crypto';
import { createDatabase, prepareStack, startEmbeddedPostgres, startKafka, type KafkaBroker, type Postgres } from '@wabridge/local-infra';

interface Started {
  kafka?: KafkaBroker;
  postgres?: Postgres;
}

const STARTED = Symbol.for('wabridge.test-infra');

function say(message: string): void {
  process.stderr.write(`[test-infra] ${message}\n`);
}

/**
 * Brings up the run's real Kafka broker and PostgreSQL once: the given KAFKA_BROKERS / DATABASE_URL
 * when set, otherwise a local KRaft broker from Maven Central jars and an embedded PostgreSQL. Every
 * run gets a fresh database with the migrations applied. Workers inherit the environment set here.
 */
export async function setupTestInfra(): Promise<void> {
  const started: Started = {};
  (globalThis as Record<symbol, unknown>)[STARTED] = started;
  process.env.TZ = 'UTC';
  const t0 = Date.now();

  const kafkaPromise = process.env.KAFKA_BROKERS
    ? Promise.resolve(process.env.KAFKA_BROKERS)
    : startKafka({ log: say }).then((kafka) => {
        started.kafka = kafka;
        return kafka.brokers.join(',');
      });
  const serverPromise = process.env.DATABASE_URL
    ? Promise.resolve(process.env.DATABASE_URL)
    : startEmbeddedPostgres({ log: say }).then((postgres) => {
        started.postgres = postgres;
        return postgres.url;
      });
  const [brokers, serverUrl] = await Promise.all([kafkaPromise, serverPromise]);

  const databaseUrl = await createDatabase(serverUrl, `wabridge_test_${Date.now()}_${randomBytes(3).toString('hex')}`);
  // one key per run, inherited by every service the tests start (they seal and open secrets at rest with it)
  process.env.SECRETS_KEY ??= `test:${randomBytes(32).toString('base64')}`;
  await prepareStack(databaseUrl, brokers, { topicPrefix: '', partitions: 2, secretsKey: process.env.SECRETS_KEY });

  process.env.KAFKA_BROKERS = brokers;
  process.env.DATABASE_URL = databaseUrl;
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  say(`kafka ${brokers}, postgres ready, migrations applied in ${Date.now() - t0} ms`);
}

export async function teardownTestInfra(): Promise<void> {
  const started = (globalThis as Record<symbol, unknown>)[STARTED] as Started | undefined;
  await Promise.all([started?.kafka?.stop(), started?.postgres?.stop()]);
}
