// `node tools/node.cjs tools/bench/router-drain-only.ts`: the router backlog-drain bench scenario
// alone, on a fresh Kafka broker (throughput profile) and embedded PostgreSQL (or KAFKA_BROKERS /
// DATABASE_URL when set). Prints the result as JSON on its last line. BENCH_ROUTER_EVENTS sets the
// backlog (100,000); BENCH_ROUTER_NODE_OPTIONS is passed to the router (e.g. --cpu-prof), and so is
// ROUTER_MAX_CONCURRENCY when set (a quarter of it is the per-destination bound).
// BENCH_ROUTER_VARIANTS=`name=entry,...` drains with several router builds side by side, interleaved
// round by round (BENCH_ROUNDS, default 1; entry relative to the repository root), e.g.
// `before=tmp/ab/before/apps/router/src/main.js,after=dist/apps/router/src/main.js`: what is compared
// is each build's CPU time per delivery and peak RSS in the same rounds, which move far less with the
// machine's other load than throughput does. BENCH_BASELINE=true adds the bare router baseline
// (router-baseline.ts) to the same rounds.
import { silenceKnownWarnings } from '@wabridge/observability';
import { buildVariantsOf, interleaved, median, printRuns, say, startBenchInfra } from './bench-infra';
import { routerDrainScenario } from './router-drain-scenario';

async function main(): Promise<void> {
  silenceKnownWarnings();
  const infra = await startBenchInfra('router', 6);
  try {
    const variants = buildVariantsOf(process.env.BENCH_ROUTER_VARIANTS, 'router', process.env.BENCH_BASELINE === 'true');
    const runs = await interleaved(variants, (variant) =>
      routerDrainScenario({
        kafkaBrokers: infra.kafkaBrokers,
        databaseUrl: infra.databaseUrl,
        log: say,
        entry: variant.entry,
        baseline: variant.baseline,
        env: {
          ...(process.env.BENCH_ROUTER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_ROUTER_NODE_OPTIONS } : {}),
          ...(process.env.ROUTER_MAX_CONCURRENCY ? { ROUTER_MAX_CONCURRENCY: process.env.ROUTER_MAX_CONCURRENCY } : {}),
        },
      }),
    );
    if ([...runs.values()].flat().some((run) => run.lost > 0)) process.exitCode = 1;
    printRuns(runs, (results) => ({
      per_s: results.map((run) => run.per_s),
      cpu_us_per_delivery: results.map((run) => run.cpu_us_per_delivery),
      max_rss_mb: results.map((run) => run.max_rss_mb),
      median_cpu_us_per_delivery: median(results.map((run) => run.cpu_us_per_delivery)),
      median_max_rss_mb: median(results.map((run) => run.max_rss_mb)),
      lost: results.reduce((sum, run) => sum + run.lost, 0),
      duplicates: results.reduce((sum, run) => sum + run.duplicates, 0),
    }));
  } finally {
    await infra.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`router bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
