// `node tools/node.cjs tools/bench/router-drain-only.ts`: the router backlog-drain bench scenario
// alone, on a fresh Kafka broker (throughput profile) and embedded PostgreSQL (or KAFKA_BROKERS /
// DATABASE_URL when set). Prints the result as JSON on its last line. BENCH_ROUTER_EVENTS sets the
// backlog (100,000); BENCH_ROUTER_NODE_OPTIONS is passed to the router (e.g. --cpu-prof), and so is
// ROUTER_MAX_CONCURRENCY when set (a quarter of it is the per-destination bound).
import {
  createDatabase,
  prepareStack,
  startEmbeddedPostgres,
  startKafka,
  type KafkaBroker,
  type Postgres,
} from '@wabridge/local-infra';
import { routerDrainScenario } from './router-drain-scenario';

const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function main(): Promise<void> {
  let kafka: KafkaBroker | undefined;
  let postgres: Postgres | undefined;
  try {
    let kafkaBrokers = process.env.KAFKA_BROKERS;
    if (!kafkaBrokers) {
      kafka = await startKafka({ log: say, partitions: 6, profile: 'throughput' });
      kafkaBrokers = kafka.brokers.join(',');
    }
    let serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) {
      postgres = await startEmbeddedPostgres({ log: say });
      serverUrl = postgres.url;
    }
    const databaseUrl = await createDatabase(serverUrl, `wabridge_bench_router_${Date.now()}`);
    await prepareStack(databaseUrl, kafkaBrokers, { topicPrefix: '', partitions: 6 });
    const result = await routerDrainScenario({
      kafkaBrokers,
      databaseUrl,
      log: say,
      env: {
        ...(process.env.BENCH_ROUTER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_ROUTER_NODE_OPTIONS } : {}),
        ...(process.env.ROUTER_MAX_CONCURRENCY ? { ROUTER_MAX_CONCURRENCY: process.env.ROUTER_MAX_CONCURRENCY } : {}),
      },
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (result.lost > 0) process.exitCode = 1;
  } finally {
    await Promise.allSettled([kafka?.stop(), postgres?.stop()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`router bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
