// `node tools/node.cjs tools/bench/metering-only.ts`: the metering bench scenario alone, on a fresh
// Kafka broker and embedded PostgreSQL (or KAFKA_BROKERS / DATABASE_URL when set). Prints the result
// as JSON on its last line. BENCH_METERING_STATUSES sets the backlog (100,000).
import { say, startBenchInfra } from './bench-infra';
import { meteringScenario } from './metering-scenario';

async function main(): Promise<void> {
  const infra = await startBenchInfra('metering', 3);
  try {
    const result = await meteringScenario({
      kafkaBrokers: infra.kafkaBrokers,
      databaseUrl: infra.databaseUrl,
      log: say,
      statuses: process.env.BENCH_METERING_STATUSES ? Number(process.env.BENCH_METERING_STATUSES) : undefined,
      env: process.env.BENCH_METERING_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_METERING_NODE_OPTIONS } : undefined,
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!result.exact) process.exitCode = 1;
  } finally {
    await infra.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`metering bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
