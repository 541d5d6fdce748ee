// `node tools/node.cjs tools/bench/broker-only.ts`: the local Kafka broker's settings side by side. Each
// round starts one fresh broker per variant (JVM flags, heap, network and I/O threads), produces 1 KB
// records with the services' producer (idempotent, acks=all, coalesced by BatchingProducer) at a fixed
// rate while a ConsumerRunner reads them back, and stops it again; variants take turns round by round
// (BENCH_ROUNDS, default 2). Reported per variant: the broker's start-up time, its CPU time per record
// over the first seconds of traffic (the JIT warming up) and over the rest, produce-ack and
// produce-to-consume latency over the rest, and its peak RSS. Prints one JSON line;
// docs/performance.md ("The broker on a small machine") has the numbers.
// BENCH_BROKER_RATE (2000 records/s), BENCH_BROKER_DURATION_S (30), BENCH_BROKER_WARMUP_S (8),
// BENCH_BROKER_VARIANTS (comma-separated names of VARIANTS below; default all).
import { randomBytes } from 'node:crypto';
import { startKafka } from '@wabridge/local-infra';
import { BatchingProducer, ConsumerRunner, createKafka, ensureTopics } from '@wabridge/kafka';
import { silenceKnownWarnings } from '@wabridge/observability';
import { BROKER_VARIANTS as VARIANTS, interleaved, median, printRuns, processCpuSeconds, processPeakRssMb, say } from './bench-infra';
import { cpuUsPer, summarise } from './stats';

const RATE = Number(process.env.BENCH_BROKER_RATE ?? 2000);
const DURATION_S = Number(process.env.BENCH_BROKER_DURATION_S ?? 30);
const WARMUP_S = Number(process.env.BENCH_BROKER_WARMUP_S ?? 8);
const PARTITIONS = 3;

interface BrokerRun {
  startup_s: number;
  records: number;
  lost: number;
  warmup_cpu_us: number;
  steady_cpu_us: number;
  ack_p50_ms: number;
  ack_p99_ms: number;
  e2e_p50_ms: number;
  e2e_p99_ms: number;
  peak_rss_mb: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(name: string): Promise<BrokerRun> {
  const startedAt = Date.now();
  const broker = await startKafka({ ...VARIANTS[name], partitions: PARTITIONS });
  const startup = (Date.now() - startedAt) / 1000;
  const { pid } = broker;
  const kafka = createKafka({ brokers: broker.brokers, clientId: `broker-bench-${name}` });
  const topic = `broker-bench-${randomBytes(4).toString('hex')}`;
  const producer = new BatchingProducer(kafka);
  const sentAt = new Map<number, number>();
  const e2e: number[] = [];
  const acks: number[] = [];
  let steadyFrom = Infinity;
  let received = 0;
  const runner = new ConsumerRunner(kafka, {
    groupId: `${topic}-group`,
    topics: [topic],
    partitionsConsumedConcurrently: PARTITIONS,
    handler: (records, context) => {
      const now = performance.now();
      for (const record of records) {
        const seq = Number(record.key);
        const at = sentAt.get(seq);
        if (at !== undefined) {
          sentAt.delete(seq);
          received += 1;
          if (at >= steadyFrom) e2e.push(now - at);
        }
        context.resolveOffset(record.offset);
      }
      return Promise.resolve();
    },
  });
  try {
    await ensureTopics(kafka, [{ topic, numPartitions: PARTITIONS }]);
    await producer.connect();
    await runner.start();
    const value = Buffer.alloc(1024, 'x');
    const total = RATE * DURATION_S;
    const t0 = performance.now();
    const cpu0 = processCpuSeconds(pid);
    let cpuAtSteady = cpu0;
    let sentAtSteady = 0;
    const pending: Promise<void>[] = [];
    for (let seq = 0; seq < total; seq += 1) {
      const due = t0 + (seq / RATE) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      if (steadyFrom === Infinity && due - t0 >= WARMUP_S * 1000) {
        steadyFrom = performance.now();
        cpuAtSteady = processCpuSeconds(pid);
        sentAtSteady = seq;
      }
      const at = performance.now();
      sentAt.set(seq, at);
      pending.push(
        producer.send(topic, [{ key: String(seq), value, partition: seq % PARTITIONS }]).then(() => {
          if (at >= steadyFrom) acks.push(performance.now() - at);
        }),
      );
    }
    await Promise.all(pending);
    const deadline = Date.now() + 30_000;
    while (received < total && Date.now() < deadline) await sleep(20);
    const cpuEnd = processCpuSeconds(pid);
    const ack = summarise(acks);
    const endToEnd = summarise(e2e);
    return {
      startup_s: Math.round(startup * 10) / 10,
      records: total,
      lost: total - received,
      warmup_cpu_us: cpuUsPer(cpuAtSteady - cpu0, sentAtSteady),
      steady_cpu_us: cpuUsPer(cpuEnd - cpuAtSteady, total - sentAtSteady),
      ack_p50_ms: ack.p50,
      ack_p99_ms: ack.p99,
      e2e_p50_ms: endToEnd.p50,
      e2e_p99_ms: endToEnd.p99,
      peak_rss_mb: processPeakRssMb(pid),
    };
  } finally {
    await runner.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await broker.stop();
  }
}

async function main(): Promise<void> {
  silenceKnownWarnings();
  const names = process.env.BENCH_BROKER_VARIANTS ? process.env.BENCH_BROKER_VARIANTS.split(',') : Object.keys(VARIANTS);
  for (const name of names) if (!VARIANTS[name]) throw new Error(`unknown broker variant ${name} (known: ${Object.keys(VARIANTS).join(', ')})`);
  const runs = await interleaved(
    names.map((name) => ({ name })),
    async (variant) => {
      const result = await run(variant.name);
      say(`${variant.name}: ${JSON.stringify(result)}`);
      return result;
    },
    Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2)),
  );
  if ([...runs.values()].flat().some((result) => result.lost > 0)) process.exitCode = 1;
  printRuns(runs, (results) => {
    const med = (key: keyof BrokerRun) => median(results.map((result) => result[key]));
    return {
      startup_s: med('startup_s'),
      warmup_cpu_us: med('warmup_cpu_us'),
      steady_cpu_us: med('steady_cpu_us'),
      steady_cpu_us_runs: results.map((result) => result.steady_cpu_us),
      ack_p50_ms: med('ack_p50_ms'),
      ack_p99_ms: med('ack_p99_ms'),
      e2e_p50_ms: med('e2e_p50_ms'),
      e2e_p99_ms: med('e2e_p99_ms'),
      peak_rss_mb: med('peak_rss_mb'),
      lost: results.reduce((sum, result) => sum + result.lost, 0),
    };
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`broker bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
