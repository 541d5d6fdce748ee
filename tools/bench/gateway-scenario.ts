// Bench scenario: partner sends through the gateway (API key check, the per-number rate limiter, the
// Graph call, the outbound event acknowledged by Kafka) at a fixed rate across many numbers, beside the
// baseline — a bare node:http proxy making the same upstream call (proxy-baseline.ts) — in the same run,
// against the same fake Graph API answering after a fixed delay (fake-graph.ts). Reported: latency
// percentiles of each, what each adds over the fixed upstream delay, and CPU time per send of each.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort, prepareStack, serviceLogDir, ServiceProcess } from '@wabridge/local-infra';
import { provisionChannel, type ProvisionedChannel } from '@wabridge/testing';
import { processCpuSeconds, processPeakRssMb, startBaselineProcess, type BaselineProcess } from './bench-infra';
import { fixedRateLoad, type LoadRequest, type LoadResult } from './load';
import { cpuUsPer, ratio, round1 } from './stats';

export interface GatewayScenarioOptions {
  kafkaBrokers: string;
  databaseUrl: string;
  log: (message: string) => void;
  /** sends per second, over all numbers (default 2,000) */
  rate?: number;
  /** numbers (channels, each with its own API key) the sends rotate over (default 200) */
  numbers?: number;
  /** measured seconds of each (default 20), after a warm-up of a quarter of that */
  durationS?: number;
  /** the fake Graph API's fixed answer time (default 20 ms) */
  graphDelayMs?: number;
}

export interface GatewayScenarioResult {
  rate: number;
  numbers: number;
  gateway: LoadResult;
  proxy: LoadResult;
  /** client-seen latency minus the fixed upstream delay, ms */
  gateway_added_p50_ms: number;
  gateway_added_p99_ms: number;
  proxy_added_p50_ms: number;
  proxy_added_p99_ms: number;
  gateway_cpu_us: number;
  proxy_cpu_us: number;
  gateway_cpu_ratio: number;
  gateway_max_rss_mb: number;
}

const SEND = JSON.stringify({
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to: '15550001111',
  type: 'template',
  template: { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-1234' }] }] },
});

async function measured(pid: number | undefined, run: () => Promise<LoadResult>): Promise<{ load: LoadResult; cpuUs: number }> {
  const before = processCpuSeconds(pid);
  const load = await run();
  return { load, cpuUs: cpuUsPer(processCpuSeconds(pid) - before, load.total) };
}

export async function gatewayScenario(opts: GatewayScenarioOptions): Promise<GatewayScenarioResult> {
  const rate = opts.rate ?? 2000;
  const numbers = opts.numbers ?? 200;
  const durationS = opts.durationS ?? 20;
  const graphDelayMs = opts.graphDelayMs ?? 20;
  const topicPrefix = `bench-gateway-${randomBytes(4).toString('hex')}.`;
  await prepareStack(opts.databaseUrl, opts.kafkaBrokers, { topicPrefix, partitions: 3 });
  const adminToken = randomBytes(24).toString('hex');
  let graph: BaselineProcess | undefined;
  let proxy: BaselineProcess | undefined;
  let gateway: ServiceProcess | undefined;
  try {
    const graphPort = await freePort();
    graph = await startBaselineProcess('fake-graph.ts', { GRAPH_PORT: String(graphPort), GRAPH_DELAY_MS: String(graphDelayMs) });
    const graphUrl = `http://127.0.0.1:${graphPort}`;
    const proxyPort = await freePort();
    proxy = await startBaselineProcess('proxy-baseline.ts', { PROXY_PORT: String(proxyPort), PROXY_GRAPH_URL: graphUrl });
    const gatewayPort = await freePort();
    const service = new ServiceProcess(
      'gateway',
      gatewayPort,
      {
        KAFKA_BROKERS: opts.kafkaBrokers,
        KAFKA_TOPIC_PREFIX: topicPrefix,
        DATABASE_URL: opts.databaseUrl,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ADMIN_TOKEN: adminToken,
        GRAPH_API_URL: graphUrl,
        GRAPH_API_TOKEN: 'bench-graph',
        PUBLIC_URL: `http://127.0.0.1:${gatewayPort}`,
        // 200 fresh keys are each looked up once at the start; the default budget (50/s) would refuse most
        UNKNOWN_KEY_LOOKUPS_PER_S: '1000',
        // BENCH_GATEWAY_NODE_OPTIONS is passed to the gateway (e.g. --cpu-prof --cpu-prof-dir=tmp/prof)
        ...(process.env.BENCH_GATEWAY_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_GATEWAY_NODE_OPTIONS } : {}),
      },
      join(serviceLogDir(), `bench-gateway-${topicPrefix}log`),
      // BENCH_GATEWAY_ENTRY runs another build of the gateway (e.g. tmp/ab/before/apps/gateway/src/main.js) for A/B runs
      { entry: process.env.BENCH_GATEWAY_ENTRY || undefined },
    );
    gateway = service;
    await service.start();
    opts.log(`gateway: provisioning ${numbers} numbers`);
    const channels: ProvisionedChannel[] = [];
    for (let i = 0; i < numbers; i += 8) {
      channels.push(...(await Promise.all(Array.from({ length: Math.min(8, numbers - i) }, () => provisionChannel(service.url, adminToken)))));
    }
    const requests: LoadRequest[] = channels.map((channel) => ({
      body: SEND,
      headers: { 'content-type': 'application/json', 'D360-API-KEY': channel.apiKey },
    }));
    const gatewayUrl = `${service.url}/messages`;
    const proxyUrl = `http://127.0.0.1:${proxyPort}/messages`;
    // every key checked once (then known valid), every connection pool and JIT warm
    for (const request of requests) await fetch(gatewayUrl, { method: 'POST', headers: request.headers, body: request.body }).then((r) => r.arrayBuffer());
    const warmS = Math.max(2, Math.round(durationS / 4));
    opts.log(`gateway: warm-up, ${rate}/s for ${warmS} s each`);
    await fixedRateLoad(proxyUrl, requests, { durationS: warmS, rate });
    await fixedRateLoad(gatewayUrl, requests, { durationS: warmS, rate });

    opts.log(`gateway: ${rate} sends/s across ${numbers} numbers for ${durationS} s, bare proxy then gateway`);
    const bare = await measured(proxy.pid, () => fixedRateLoad(proxyUrl, requests, { durationS, rate }));
    opts.log(`  proxy ${JSON.stringify(bare.load)}, ${bare.cpuUs} µs CPU per send`);
    const real = await measured(service.pid, () => fixedRateLoad(gatewayUrl, requests, { durationS, rate }));
    opts.log(`  gateway ${JSON.stringify(real.load)}, ${real.cpuUs} µs CPU per send`);
    const result: GatewayScenarioResult = {
      rate,
      numbers,
      gateway: real.load,
      proxy: bare.load,
      gateway_added_p50_ms: round1(real.load.p50 - graphDelayMs),
      gateway_added_p99_ms: round1(real.load.p99 - graphDelayMs),
      proxy_added_p50_ms: round1(bare.load.p50 - graphDelayMs),
      proxy_added_p99_ms: round1(bare.load.p99 - graphDelayMs),
      gateway_cpu_us: real.cpuUs,
      proxy_cpu_us: bare.cpuUs,
      gateway_cpu_ratio: ratio(real.cpuUs, bare.cpuUs),
      gateway_max_rss_mb: processPeakRssMb(service.pid),
    };
    opts.log(`gateway: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await Promise.allSettled([gateway?.stop(), proxy?.stop(), graph?.stop()]);
  }
}
