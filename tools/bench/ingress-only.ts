// `node tools/node.cjs tools/bench/ingress-only.ts`: the ingress bench scenario alone (max throughput
// and p99 at 2,000 req/s beside the bare node:http baseline, and ingress resident memory), on a fresh
// Kafka broker and embedded PostgreSQL (or KAFKA_BROKERS / DATABASE_URL when set). Prints the result
// as JSON on its last line. BENCH_DURATION_S (10) and BENCH_CONNECTIONS (64) as in the full bench;
// BENCH_ROUNDS (1) repeats the measurements; BENCH_INGRESS_NODE_OPTIONS is passed to ingress (e.g.
// --cpu-prof). BENCH_INGRESS_VARIANTS=`name=entry,...` measures several ingress builds side by side,
// interleaved round by round (entry relative to the repository root, `.js` runs precompiled), e.g.
// `before=tmp/ab/before/apps/ingress/src/main.js,after=dist/apps/ingress/src/main.js`; or a JSON array
// of {name, entry?, env?} when variants differ in their environment. BENCH_INGRESS_TRACING=true adds, beside each
// variant, the same build with OpenTelemetry tracing on (every span sampled and exported over OTLP/HTTP protobuf to a
// local sink in this process), so the cost of tracing is measured in the same run (docs/performance.md).
import { randomBytes } from 'node:crypto';
import { silenceKnownWarnings } from '@wabridge/observability';
import { OtlpReceiver } from '@wabridge/testing';
import { buildVariantsOf, median, say, startBenchInfra } from './bench-infra';
import { ingressScenario, type IngressVariant } from './ingress-scenario';

function variantsOf(spec: string | undefined, nodeOptions: string | undefined): IngressVariant[] {
  const env = nodeOptions ? { NODE_OPTIONS: nodeOptions } : undefined;
  if (!spec) return [{ name: 'ingress', env }];
  if (spec.trim().startsWith('[')) {
    return (JSON.parse(spec) as IngressVariant[]).map((variant) => ({ ...variant, env: { ...env, ...variant.env } }));
  }
  return buildVariantsOf(spec, 'ingress').map((variant) => ({ ...variant, env }));
}

/**
 * Each variant again with tracing on: always sampled, and a span queue large enough that none is dropped at the
 * bench's rates, so every span is built, batched and exported (the worst case; a deployment would sample).
 */
function withTracing(variants: IngressVariant[], sink: OtlpReceiver): IngressVariant[] {
  const tracing = {
    ...sink.env('http/protobuf'),
    OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    OTEL_BSP_MAX_QUEUE_SIZE: '65536',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096',
  };
  return variants.flatMap((variant) => [variant, { ...variant, name: `${variant.name}-tracing`, env: { ...variant.env, ...tracing } }]);
}

async function main(): Promise<void> {
  silenceKnownWarnings();
  const infra = await startBenchInfra('ingress', 3);
  const sink = process.env.BENCH_INGRESS_TRACING === 'true' ? await OtlpReceiver.start() : undefined;
  try {
    const variants = variantsOf(process.env.BENCH_INGRESS_VARIANTS, process.env.BENCH_INGRESS_NODE_OPTIONS);
    const secret = randomBytes(16).toString('hex');
    const result = await ingressScenario({
      kafkaBrokers: infra.kafkaBrokers,
      databaseUrl: infra.databaseUrl,
      secret,
      env: { LOG_LEVEL: 'warn', HOST: '127.0.0.1', META_APP_SECRETS: secret, META_VERIFY_TOKEN: randomBytes(12).toString('hex') },
      log: say,
      durationS: Number(process.env.BENCH_DURATION_S ?? 10),
      connections: Number(process.env.BENCH_CONNECTIONS ?? 64),
      rounds: Number(process.env.BENCH_ROUNDS ?? 1),
      variants: sink ? withTracing(variants, sink) : variants,
    });
    const summary = {
      baseline_rps: result.baseline.map((run) => run.rps),
      baseline_cpu_us_per_req: result.baselineCpuUs,
      baseline_p99_ms_at_2k: result.baseline2k.map((run) => run.p99),
      variants: result.variants.map((variant) => ({
        name: variant.name,
        rps: variant.max.map((run) => run.rps),
        ratio: variant.ratio,
        median_ratio: median(variant.ratio),
        cpu_us_per_req: variant.cpuUs,
        median_cpu_us_per_req: median(variant.cpuUs),
        p99_ms: variant.max.map((run) => run.p99),
        p99_ms_at_2k: variant.at2k.map((run) => run.p99),
        errors: variant.max.concat(variant.at2k).reduce((sum, run) => sum + run.non2xx + run.errors, 0),
        max_rss_mb: variant.rssMb,
      })),
    };
    if (sink) say(`trace sink: ${sink.requests} OTLP exports, ${Math.round(sink.bytes / 2 ** 20)} MB`);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (summary.variants.some((variant) => variant.errors > 0)) process.exitCode = 1;
  } finally {
    await sink?.close();
    await infra.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`ingress bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
