// `node tools/node.cjs tools/bench/router-drain-only.ts`: the router backlog-drain bench scenario
// alone, on a fresh Kafka broker (throughput profile) and embedded PostgreSQL (or KAFKA_BROKERS /
// DATABASE_URL when set). Prints the result as JSON on its last line. BENCH_ROUTER_EVENTS sets the
// backlog (100,000); BENCH_ROUTER_NODE_OPTIONS is passed to the router (e.g. --cpu-prof), and so is
// ROUTER_MAX_CONCURRENCY when set (a quarter of it is the per-destination bound).
import { say, startBenchInfra } from './bench-infra';
import { routerDrainScenario } from './router-drain-scenario';

async function main(): Promise<void> {
  const infra = await startBenchInfra('router', 6);
  try {
    const result = await routerDrainScenario({
      kafkaBrokers: infra.kafkaBrokers,
      databaseUrl: infra.databaseUrl,
      log: say,
      env: {
        ...(process.env.BENCH_ROUTER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_ROUTER_NODE_OPTIONS } : {}),
        ...(process.env.ROUTER_MAX_CONCURRENCY ? { ROUTER_MAX_CONCURRENCY: process.env.ROUTER_MAX_CONCURRENCY } : {}),
      },
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (result.lost > 0) process.exitCode = 1;
  } finally {
    await infra.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`router bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
