// `node tools/node.cjs tools/bench/metering-only.ts`: the metering bench scenario alone, on a fresh
// Kafka broker and embedded PostgreSQL (or KAFKA_BROKERS / DATABASE_URL when set). Prints the result
// as JSON on its last line. BENCH_METERING_STATUSES sets the backlog (100,000);
// BENCH_METERING_VARIANTS=`name=entry,...` runs several metering builds side by side, interleaved round
// by round (BENCH_ROUNDS), as tools/bench/router-drain-only.ts does; BENCH_BASELINE=true adds the bare
// metering baseline (metering-baseline.ts) to the same rounds.
import { silenceKnownWarnings } from '@wabridge/observability';
import { buildVariantsOf, interleaved, median, printRuns, say, startBenchInfra } from './bench-infra';
import { meteringScenario } from './metering-scenario';

async function main(): Promise<void> {
  silenceKnownWarnings();
  const infra = await startBenchInfra('metering', 3);
  try {
    const variants = buildVariantsOf(process.env.BENCH_METERING_VARIANTS, 'metering', process.env.BENCH_BASELINE === 'true');
    const runs = await interleaved(variants, (variant) =>
      meteringScenario({
        kafkaBrokers: infra.kafkaBrokers,
        databaseUrl: infra.databaseUrl,
        log: say,
        entry: variant.entry,
        baseline: variant.baseline,
        statuses: process.env.BENCH_METERING_STATUSES ? Number(process.env.BENCH_METERING_STATUSES) : undefined,
        env: process.env.BENCH_METERING_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_METERING_NODE_OPTIONS } : undefined,
      }),
    );
    if ([...runs.values()].flat().some((run) => !run.exact)) process.exitCode = 1;
    printRuns(runs, (results) => ({
      per_s: results.map((run) => run.per_s),
      median_per_s: median(results.map((run) => run.per_s)),
      cpu_us_per_status: results.map((run) => run.cpu_us_per_status),
      median_cpu_us_per_status: median(results.map((run) => run.cpu_us_per_status)),
      exact: results.every((run) => run.exact),
    }));
  } finally {
    await infra.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`metering bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
