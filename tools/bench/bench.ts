// `npm run bench`: wabridge's benchmark on this machine, every service on a real Kafka broker and
// PostgreSQL, each number beside a baseline measured in the same run. Prints one JSON object on its
// last line and rewrites the results table in docs/performance.md.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import {
  freePort,
  repoRoot,
  serviceLogDir,
  ServiceProcess,
  waitFor,
  type ServiceName,
} from '@wabridge/local-infra';
import { silenceKnownWarnings } from '@wabridge/observability';
import { signMetaPayload } from '@wabridge/webhook-security';
import { say, startBenchInfra } from './bench-infra';
import { ingressScenario } from './ingress-scenario';
import type { LoadResult } from './load';
import { meteringScenario, type MeteringScenarioResult } from './metering-scenario';
import { inboundWebhook } from './payloads';
import { routerDrainScenario, type RouterDrainResult } from './router-drain-scenario';
import { RssSampler } from './rss-sampler';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const E2E_RATE = Number(process.env.BENCH_E2E_RATE ?? 1000);
const E2E_DURATION_S = Number(process.env.BENCH_E2E_DURATION_S ?? 60);
/**
 * The same load, unmeasured, first: the broker's JIT (C2) compiles the consumer and producer paths of
 * the whole pipeline during its first tens of seconds of traffic and takes a good part of a core for it
 */
const E2E_WARMUP_S = Number(process.env.BENCH_E2E_WARMUP_S ?? 20);
const ROUTER_EVENTS = Number(process.env.BENCH_ROUTER_EVENTS ?? 100000);
const SCALING_EVENTS = Number(process.env.BENCH_SCALING_EVENTS ?? 40000);
const METERING_STATUSES = Number(process.env.BENCH_METERING_STATUSES ?? 100000);

interface E2eResult {
  sent: number;
  received: number;
  /** answered other than 200 (503 when Kafka did not acknowledge in time): Meta retries those */
  refused: number;
  lost: number;
  p50: number;
  p99: number;
  max: number;
  /** how long ingress took to answer (200 after Kafka's acknowledgement): the part of the latency before the router */
  ingress_p50: number;
  ingress_p99: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sends signed webhooks at a fixed rate and measures when the bound partner receives each one. */
async function endToEnd(ingressUrl: string, secret: string, phoneNumberId: string, partner: PartnerSink, durationS = E2E_DURATION_S): Promise<E2eResult> {
  const total = E2E_RATE * durationS;
  partner.arrivals.clear();
  const sentAt = new Map<string, number>();
  /** answered other than 200: Meta would send those again, so they are not lost, but they are counted */
  const refused = new Set<string>();
  const answeredIn: number[] = [];
  const start = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / E2E_RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const marker = `e2e${i}_${randomBytes(4).toString('hex')}`;
    const body = inboundWebhook(phoneNumberId, marker);
    const sent = performance.now();
    sentAt.set(marker, sent);
    inFlight.push(
      request(ingressUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaPayload(body, secret) },
        body,
      }).then(
        (response) => {
          answeredIn.push(performance.now() - sent);
          if (response.statusCode !== 200) refused.add(marker);
          return response.body.dump();
        },
        () => refused.add(marker),
      ),
    );
    if (inFlight.length > 2000) await Promise.all(inFlight.splice(0, 1000));
  }
  await Promise.all(inFlight);
  await waitFor(() => partner.arrivals.size >= total, { timeoutMs: 60000, what: 'all events at the partner' }).catch(() => undefined);
  const latencies: number[] = [];
  for (const [marker, at] of partner.arrivals) {
    const sent = sentAt.get(marker);
    if (sent !== undefined) latencies.push(at - sent);
  }
  latencies.sort((a, b) => a - b);
  answeredIn.sort((a, b) => a - b);
  const received = [...sentAt.keys()].filter((marker) => partner.arrivals.has(marker)).length;
  const accepted = [...sentAt.keys()].filter((marker) => !refused.has(marker));
  return {
    sent: total,
    received,
    refused: refused.size,
    // accepted with a 200 and never delivered: the only real loss
    lost: accepted.filter((marker) => !partner.arrivals.has(marker)).length,
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies[latencies.length - 1] ?? NaN),
    ingress_p50: round(percentile(answeredIn, 50)),
    ingress_p99: round(percentile(answeredIn, 99)),
  };
}

const round = (value: number) => Math.round(value * 10) / 10;

/** The partner's webhook endpoint: a keep-alive node:http server noting when each message id arrives. */
class PartnerSink {
  readonly arrivals = new Map<string, number>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = performance.now();
        const match = /"id":"wamid\.([^"]+)"/.exec(Buffer.concat(chunks).toString());
        if (match && !this.arrivals.has(match[1])) this.arrivals.set(match[1], at);
        res.writeHead(200).end();
      });
    });
    this.server.keepAliveTimeout = 60000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

async function operator<T>(url: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (response.status >= 300) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Scenarios {
  ingress: LoadResult;
  baseline: LoadResult;
  e2e: E2eResult;
  drain: RouterDrainResult;
  scaling: [RouterDrainResult, RouterDrainResult];
  metering: MeteringScenarioResult;
  rss: Map<string, number>;
}

function writeReport(results: Record<string, number | string | boolean>, { ingress, baseline, e2e, drain, scaling, metering, rss }: Scenarios): void {
  const file = join(repoRoot(), 'docs', 'performance.md');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const table = [
    begin,
    `Last run: ${new Date().toISOString()} — ${String(results.machine)}; load ${DURATION_S} s per throughput scenario, ${CONNECTIONS} connections; e2e ${E2E_RATE}/s for ${E2E_DURATION_S} s after ${E2E_WARMUP_S} s of warm-up.`,
    '',
    '| scenario | wabridge | baseline (same run) | ratio / note |',
    '|---|---|---|---|',
    `| signed 1 KB webhooks, max throughput | ingress ${ingress.rps} req/s (p50 ${ingress.p50} ms, p99 ${ingress.p99} ms) | bare node:http + HMAC ${baseline.rps} req/s (p50 ${baseline.p50} ms, p99 ${baseline.p99} ms) | ${String(results.ingress_ratio)}× |`,
    `| ingress p99 at a fixed 2,000 req/s | ${String(results.ingress_p99_ms_at_2k)} ms | ${String(results.baseline_p99_ms_at_2k)} ms | |`,
    `| end to end ingress → partner at ${E2E_RATE}/s | p50 ${e2e.p50} ms, p99 ${e2e.p99} ms, max ${e2e.max} ms (ingress answered in p50 ${e2e.ingress_p50} ms, p99 ${e2e.ingress_p99} ms) | — | ${e2e.lost} lost of ${e2e.sent}; ${e2e.refused} answered other than 200 |`,
    `| router backlog drain, ${drain.events} events to a keep-alive partner | ${drain.per_s} deliveries/s (${drain.seconds} s), ${drain.cpu_us_per_delivery} µs router CPU per delivery | — | ${drain.lost} lost |`,
    `| scaling: ${scaling[1].events} events, 12 partitions, one router vs two in one group (the second joins mid-drain) | two: ${scaling[1].per_s} deliveries/s | one: ${scaling[0].per_s} deliveries/s | ${String(results.router_scaling_ratio)}×; ${scaling[1].lost} lost, ${scaling[1].duplicates} repeated in the rebalance |`,
    `| metering, ${metering.statuses} priced statuses from a backlog | ${metering.per_s} statuses/s (${metering.seconds} s) | — | counts exact: ${metering.exact} |`,
    `| resident memory (max during the run) | ${[...rss].map(([name, mb]) => `${name} ${mb} MB`).join(', ')} | — | |`,
    '',
    '```json',
    JSON.stringify(results),
    '```',
    end,
  ].join('\n');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = `# Performance\n\n${begin}\n${end}\n`;
  }
  const pattern = new RegExp(`${begin}[\\s\\S]*${end}`);
  writeFileSync(file, pattern.test(text) ? text.replace(pattern, table) : `${text}\n${table}\n`);
}

async function main(): Promise<void> {
  silenceKnownWarnings();
  const infra = await startBenchInfra('e2e', 3);
  const services: ServiceProcess[] = [];
  const partner = new PartnerSink();
  try {
    const secret = randomBytes(16).toString('hex');
    const adminToken = randomBytes(16).toString('hex');
    const ports = {} as Record<ServiceName, number>;
    for (const name of ['ingress', 'gateway', 'router', 'wa-sim'] as ServiceName[]) ports[name] = await freePort();
    const env = {
      KAFKA_BROKERS: infra.kafkaBrokers,
      DATABASE_URL: infra.databaseUrl,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      META_APP_SECRETS: secret,
      META_VERIFY_TOKEN: randomBytes(12).toString('hex'),
      ADMIN_TOKEN: adminToken,
      GRAPH_API_URL: `http://127.0.0.1:${ports['wa-sim']}`,
      GRAPH_API_TOKEN: 'bench-graph',
      PUBLIC_URL: `http://127.0.0.1:${ports.gateway}`,
      WEBHOOK_URL_ALLOW_HTTP: 'true',
      WEBHOOK_URL_ALLOW_CIDRS: '127.0.0.0/8',
      WA_SIM_INGRESS_URL: `http://127.0.0.1:${ports.ingress}/webhooks/whatsapp`,
      META_APP_SECRET: secret,
      WA_SIM_AUTO_STATUSES: 'false',
    };
    const rss = new RssSampler(services);
    rss.start();

    // throughput: ingress alone on topics of its own (no consumer competing for the cores), against the
    // baseline, with the same signed 1 KB payloads
    const solo = await ingressScenario({
      kafkaBrokers: infra.kafkaBrokers,
      databaseUrl: infra.databaseUrl,
      secret,
      env,
      log: say,
      durationS: DURATION_S,
      connections: CONNECTIONS,
      onStarted: (service) => services.push(service),
    });
    const [baseline] = solo.baseline;
    const [baseline2k] = solo.baseline2k;
    const [ingress] = solo.variants[0].max;
    const [ingress2k] = solo.variants[0].at2k;

    // end to end: the whole stack, a client whose partner is the sink, onboarded through the real APIs
    const stack = (Object.keys(ports) as ServiceName[]).map(
      (name) => new ServiceProcess(name, ports[name], env, join(serviceLogDir(), `bench-${name}.log`)),
    );
    services.push(...stack);
    await Promise.all(stack.map((service) => service.start()));
    const ingressUrl = `http://127.0.0.1:${ports.ingress}/webhooks/whatsapp`;
    await partner.start();
    const gateway = `http://127.0.0.1:${ports.gateway}`;
    const phoneNumberId = '190000000000001';
    const client = await operator<{ id: string }>(`${gateway}/admin/v1/clients`, adminToken, { name: 'bench' });
    const channel = await operator<{ id: string }>(`${gateway}/admin/v1/channels`, adminToken, {
      client_id: client.id,
      phone_number_id: phoneNumberId,
      waba_id: '190000000000002',
      display_phone_number: '15550000001',
    });
    const key = await operator<{ api_key: string }>(`${gateway}/admin/v1/channels/${channel.id}/api-keys`, adminToken);
    const bind = await fetch(`${gateway}/v1/configs/webhook`, {
      method: 'POST',
      headers: { 'D360-API-KEY': key.api_key, 'content-type': 'application/json' },
      body: JSON.stringify({ url: partner.url }),
    });
    if (bind.status !== 200) throw new Error(`binding failed: ${bind.status}`);

    if (E2E_WARMUP_S > 0) {
      say(`end to end: warm-up at ${E2E_RATE}/s for ${E2E_WARMUP_S} s`);
      say(`  ${JSON.stringify(await endToEnd(ingressUrl, secret, phoneNumberId, partner, E2E_WARMUP_S))}`);
    }
    say(`end to end at ${E2E_RATE}/s for ${E2E_DURATION_S} s`);
    const e2e = await endToEnd(ingressUrl, secret, phoneNumberId, partner);
    say(`  ${JSON.stringify(e2e)}`);
    rss.stop();
    await Promise.allSettled(services.map((service) => service.stop()));

    say(`router backlog drain: ${ROUTER_EVENTS} events`);
    const drain = await routerDrainScenario({ kafkaBrokers: infra.kafkaBrokers, databaseUrl: infra.databaseUrl, log: say, events: ROUTER_EVENTS });
    say(`  ${JSON.stringify(drain)}`);
    say(`router scaling: ${SCALING_EVENTS} events on 12 partitions, one router, then two`);
    const scaling: [RouterDrainResult, RouterDrainResult] = [
      await routerDrainScenario({ kafkaBrokers: infra.kafkaBrokers, databaseUrl: infra.databaseUrl, log: say, events: SCALING_EVENTS, partitions: 12 }),
      await routerDrainScenario({
        kafkaBrokers: infra.kafkaBrokers,
        databaseUrl: infra.databaseUrl,
        log: say,
        events: SCALING_EVENTS,
        partitions: 12,
        routers: 2,
      }),
    ];
    say(`metering: ${METERING_STATUSES} priced statuses`);
    const metering = await meteringScenario({ kafkaBrokers: infra.kafkaBrokers, databaseUrl: infra.databaseUrl, log: say, statuses: METERING_STATUSES });
    say(`  ${JSON.stringify(metering)}`);

    const results = {
      machine: `${process.platform}/${process.arch}, ${(await import('node:os')).cpus().length} cores, Node ${process.versions.node}`,
      ingress_rps: ingress.rps,
      baseline_rps: baseline.rps,
      ingress_ratio: Math.round((ingress.rps / baseline.rps) * 100) / 100,
      ingress_p50_ms: ingress.p50,
      ingress_p99_ms: ingress.p99,
      ingress_errors: ingress.non2xx + ingress.errors,
      ingress_p99_ms_at_2k: ingress2k.p99,
      baseline_p99_ms_at_2k: baseline2k.p99,
      e2e_rate: E2E_RATE,
      e2e_p50_ms: e2e.p50,
      e2e_p99_ms: e2e.p99,
      e2e_lost: e2e.lost,
      e2e_refused: e2e.refused,
      router_drain_per_s: drain.per_s,
      router_drain_lost: drain.lost,
      router_cpu_us_per_delivery: drain.cpu_us_per_delivery,
      router_scaling_one_per_s: scaling[0].per_s,
      router_scaling_two_per_s: scaling[1].per_s,
      router_scaling_ratio: Math.round((scaling[1].per_s / scaling[0].per_s) * 100) / 100,
      router_scaling_lost: scaling[0].lost + scaling[1].lost,
      metering_per_s: metering.per_s,
      metering_exact: metering.exact,
      max_rss_mb: Math.max(...rss.maxMb.values()),
    };
    writeReport(results, { ingress, baseline, e2e, drain, scaling, metering, rss: rss.maxMb });
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    await partner.stop().catch(() => undefined);
    await Promise.allSettled(services.map((service) => service.stop()));
    await infra.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
