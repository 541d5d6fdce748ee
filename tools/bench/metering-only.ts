// `node tools/node.cjs tools/bench/metering-only.ts`: the metering bench scenario alone, on a fresh
// Kafka broker and embedded PostgreSQL (or KAFKA_BROKERS / DATABASE_URL when set). Prints the result
// as JSON on its last line. BENCH_METERING_STATUSES sets the backlog (100,000).
import {
  createDatabase,
  prepareStack,
  startEmbeddedPostgres,
  startKafka,
  type KafkaBroker,
  type Postgres,
} from '@wabridge/local-infra';
import { meteringScenario } from './metering-scenario';

const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function main(): Promise<void> {
  let kafka: KafkaBroker | undefined;
  let postgres: Postgres | undefined;
  try {
    let kafkaBrokers = process.env.KAFKA_BROKERS;
    if (!kafkaBrokers) {
      kafka = await startKafka({ log: say, partitions: 3 });
      kafkaBrokers = kafka.brokers.join(',');
    }
    let serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) {
      postgres = await startEmbeddedPostgres({ log: say });
      serverUrl = postgres.url;
    }
    const databaseUrl = await createDatabase(serverUrl, `wabridge_bench_metering_${Date.now()}`);
    await prepareStack(databaseUrl, kafkaBrokers, { topicPrefix: '', partitions: 3 });
    const result = await meteringScenario({
      kafkaBrokers,
      databaseUrl,
      log: say,
      statuses: process.env.BENCH_METERING_STATUSES ? Number(process.env.BENCH_METERING_STATUSES) : undefined,
      env: process.env.BENCH_METERING_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_METERING_NODE_OPTIONS } : undefined,
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!result.exact) process.exitCode = 1;
  } finally {
    await Promise.allSettled([kafka?.stop(), postgres?.stop()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`metering bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
