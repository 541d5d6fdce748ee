// Bench scenario: ingress alone at saturation and at a fixed 2,000 req/s, beside the baseline (a bare
// node:http server doing the same signature check) measured in the same run with the same signed
// 1 KB payloads. Ingress publishes to topics of its own, so no consumer competes for the cores.
// Several ingress variants (entry files) can be measured in one run, interleaved round by round,
// which is how a change is compared before/after on a noisy machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, prepareStack, repoRoot, serviceLogDir, ServiceProcess, waitFor } from '@wabridge/local-infra';
import { processCpuSeconds } from './bench-infra';
import { postLoad, type LoadResult } from './load';
import { signedVariants } from './payloads';
import { RssSampler } from './rss-sampler';

export interface IngressVariant {
  name: string;
  /** entry file relative to the repository root (default: apps/ingress/src/main.ts) */
  entry?: string;
  /** extra environment for this ingress process (e.g. NODE_OPTIONS=--cpu-prof) */
  env?: Record<string, string>;
}

export interface IngressScenarioOptions {
  kafkaBrokers: string;
  databaseUrl: string;
  secret: string;
  /** the environment every ingress process gets (LOG_LEVEL, META_APP_SECRETS, ...) */
  env: Record<string, string>;
  log: (message: string) => void;
  durationS: number;
  connections: number;
  /** default: one variant, the TypeScript sources */
  variants?: IngressVariant[];
  /** measurement rounds; each round runs the baseline and every variant once (default 1) */
  rounds?: number;
  /** told about every ingress process started, e.g. the full bench's memory sampler */
  onStarted?: (service: ServiceProcess) => void;
}

export interface IngressVariantResult {
  name: string;
  /** per round */
  max: LoadResult[];
  at2k: LoadResult[];
  /** ratio of max throughput to the baseline's in the same round */
  ratio: number[];
  /** CPU time (user + system) of the ingress process per request at max throughput, µs, per round */
  cpuUs: number[];
  /** max resident memory of this ingress process over the whole scenario */
  rssMb: number;
}

export interface IngressScenarioResult {
  baseline: LoadResult[];
  /** CPU time of the baseline process per request at max throughput, µs, per round */
  baselineCpuUs: number[];
  baseline2k: LoadResult[];
  variants: IngressVariantResult[];
}

const FIXED_RATE = 2000;
const PREFIX = 'bench-ingress.';

async function startBaseline(secret: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join('tools', 'bench', 'baseline-server.ts')], {
    cwd: repoRoot(),
    env: { ...process.env, BASELINE_PORT: String(port), BASELINE_APP_SECRET: secret, SWC_NODE_PROJECT: 'tsconfig.json' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/webhooks/whatsapp`;
  await waitFor(async () => (await fetch(url, { method: 'POST', body: '{}' })).status === 401, { what: 'baseline server' });
  return { url, child };
}

/** Where an ingress process's memory is and how full its produce requests were, from its metrics (for the log). */
async function statsOf(service: ServiceProcess): Promise<string> {
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN);
  const mb = (name: string) => Math.round(value(name) / 2 ** 20);
  const batches = value('wabridge_ingress_produce_batch_records_count');
  const perBatch = Math.round(value('wabridge_ingress_produce_batch_records_sum') / batches);
  return `rss ${mb('process_resident_memory_bytes')} MB, heap total ${mb('nodejs_heap_size_total_bytes')} MB, heap used ${mb('nodejs_heap_size_used_bytes')} MB, external ${mb('nodejs_external_memory_bytes')} MB; ${batches} produce requests, ${perBatch} records each`;
}

/**
 * CPU time a process spent per request during a load run, µs: far less sensitive than throughput to
 * whatever else the machine runs at the time (on a shared 2-core box, a lot).
 */
async function withCpu(pid: number | undefined, run: () => Promise<LoadResult>): Promise<{ load: LoadResult; cpuUs: number }> {
  const before = processCpuSeconds(pid);
  const load = await run();
  const seconds = processCpuSeconds(pid) - before;
  return { load, cpuUs: Math.round((seconds * 1e6) / Math.max(1, load.total)) };
}

const ratio = (value: number, base: number) => Math.round((value / base) * 100) / 100;

export async function ingressScenario(options: IngressScenarioOptions): Promise<IngressScenarioResult> {
  const { log, durationS, connections } = options;
  const variants = options.variants ?? [{ name: 'ingress' }];
  const rounds = options.rounds ?? 1;
  await prepareStack(options.databaseUrl, options.kafkaBrokers, { topicPrefix: PREFIX, partitions: 3 });
  const processes: ServiceProcess[] = [];
  const rss = new RssSampler(processes, (service) => service.logFile);
  let baselineChild: ChildProcess | undefined;
  try {
    for (const variant of variants) {
      const service = new ServiceProcess(
        'ingress',
        await freePort(),
        { ...options.env, ...variant.env, KAFKA_BROKERS: options.kafkaBrokers, KAFKA_TOPIC_PREFIX: PREFIX },
        join(serviceLogDir(), `bench-ingress-${variant.name}.log`),
        { entry: variant.entry },
      );
      processes.push(service);
      options.onStarted?.(service);
    }
    await Promise.all(processes.map((service) => service.start()));
    rss.start();
    const urls = processes.map((service) => `${service.url}/webhooks/whatsapp`);
    const numbers = Array.from({ length: 32 }, (_, i) => String(180000000000000 + i));
    const payloads = signedVariants(512, options.secret, numbers);
    const baselineServer = await startBaseline(options.secret);
    baselineChild = baselineServer.child;

    log('warm-up');
    for (const url of [baselineServer.url, ...urls]) await postLoad(url, payloads, { durationS: 2, connections });
    const result: IngressScenarioResult = {
      baseline: [],
      baselineCpuUs: [],
      baseline2k: [],
      variants: variants.map((variant) => ({ name: variant.name, max: [], at2k: [], ratio: [], cpuUs: [], rssMb: 0 })),
    };
    for (let round = 0; round < rounds; round++) {
      log(`round ${round + 1}/${rounds}: max throughput`);
      const { load: baseline, cpuUs: baselineCpuUs } = await withCpu(baselineChild.pid, () =>
        postLoad(baselineServer.url, payloads, { durationS, connections }),
      );
      result.baseline.push(baseline);
      result.baselineCpuUs.push(baselineCpuUs);
      log(`  baseline ${JSON.stringify(baseline)} cpu ${baselineCpuUs} µs/req`);
      for (const [index, url] of urls.entries()) {
        const { load: max, cpuUs } = await withCpu(processes[index].pid, () => postLoad(url, payloads, { durationS, connections }));
        const variant = result.variants[index];
        variant.max.push(max);
        variant.ratio.push(ratio(max.rps, baseline.rps));
        variant.cpuUs.push(cpuUs);
        log(
          `  ${variant.name} ${JSON.stringify(max)} ratio ${ratio(max.rps, baseline.rps)}, cpu ${cpuUs} µs/req (${ratio(cpuUs, baselineCpuUs)}× the baseline's)`,
        );
      }
      log(`round ${round + 1}/${rounds}: ${FIXED_RATE} req/s`);
      const baseline2k = await postLoad(baselineServer.url, payloads, { durationS, connections: 32, rate: FIXED_RATE });
      result.baseline2k.push(baseline2k);
      log(`  baseline ${JSON.stringify(baseline2k)}`);
      for (const [index, url] of urls.entries()) {
        const at2k = await postLoad(url, payloads, { durationS, connections: 32, rate: FIXED_RATE });
        result.variants[index].at2k.push(at2k);
        log(`  ${variants[index].name} ${JSON.stringify(at2k)}`);
      }
    }
    rss.stop();
    for (const [index, service] of processes.entries()) {
      result.variants[index].rssMb = rss.maxMb.get(service.logFile) ?? 0;
      log(`  ${variants[index].name} max RSS ${result.variants[index].rssMb} MB; now ${await statsOf(service)}`);
    }
    return result;
  } finally {
    rss.stop();
    baselineChild?.kill('SIGTERM');
    await Promise.allSettled(processes.map((service) => service.stop()));
  }
}
