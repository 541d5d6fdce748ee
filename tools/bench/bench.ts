// `npm run bench`: wabridge's benchmark on this machine, every service on a real Kafka broker and
// PostgreSQL, each number beside a baseline measured in the same run. Prints one JSON object on its
// last line and, when every scenario ran, rewrites the results table in docs/performance.md.
// `npm run bench -- e2e-2k crash` (or BENCH_SCENARIOS=e2e-2k,crash) runs only those scenarios.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot, serviceLogDir, ServiceProcess, type ServiceName } from '@wabridge/local-infra';
import { silenceKnownWarnings } from '@wabridge/observability';
import { say, startBenchInfra } from './bench-infra';
import { endToEnd, type E2eResult } from './e2e-scenario';
import { gatewayScenario, type GatewayScenarioResult } from './gateway-scenario';
import { ingressScenario } from './ingress-scenario';
import type { LoadResult } from './load';
import { meteringScenario, type MeteringScenarioResult } from './metering-scenario';
import { PartnerSink } from './partner-sink';
import { routerDrainScenario, type RouterDrainResult } from './router-drain-scenario';
import { RssSampler } from './rss-sampler';
import { ratio, selectScenarios } from './stats';
import { provisionTenants } from './tenants';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const E2E_RATE = Number(process.env.BENCH_E2E_RATE ?? 1000);
const E2E_DURATION_S = Number(process.env.BENCH_E2E_DURATION_S ?? 60);
/**
 * The same load, unmeasured, first: the broker's JIT (C2) compiles the consumer and producer paths of
 * the whole pipeline during its first tens of seconds of traffic and takes a good part of a core for it
 */
const E2E_WARMUP_S = Number(process.env.BENCH_E2E_WARMUP_S ?? 20);
const E2E_2K_RATE = Number(process.env.BENCH_E2E_2K_RATE ?? 2000);
const E2E_2K_DURATION_S = Number(process.env.BENCH_E2E_2K_DURATION_S ?? 60);
const TENANTS_CHANNELS = Number(process.env.BENCH_TENANTS_CHANNELS ?? 1000);
const TENANTS_ENDPOINTS = Number(process.env.BENCH_TENANTS_ENDPOINTS ?? 100);
const TENANTS_RATE = Number(process.env.BENCH_TENANTS_RATE ?? 1000);
const TENANTS_DURATION_S = Number(process.env.BENCH_TENANTS_DURATION_S ?? 60);
/** the tenants' load, unmeasured, first: every endpoint's connection pool opened, every binding read once */
const TENANTS_WARMUP_S = Number(process.env.BENCH_TENANTS_WARMUP_S ?? 10);
const CRASH_RATE = Number(process.env.BENCH_CRASH_RATE ?? 150);
const CRASH_DURATION_S = Number(process.env.BENCH_CRASH_DURATION_S ?? 20);
const CRASH_KILL_AT_S = Number(process.env.BENCH_CRASH_KILL_AT_S ?? 4);
/** how long the router stays down before it is started again */
const CRASH_DOWN_S = Number(process.env.BENCH_CRASH_DOWN_S ?? 1.5);
const GATEWAY_RATE = Number(process.env.BENCH_GATEWAY_RATE ?? 2000);
const GATEWAY_NUMBERS = Number(process.env.BENCH_GATEWAY_NUMBERS ?? 200);
const GATEWAY_DURATION_S = Number(process.env.BENCH_GATEWAY_DURATION_S ?? 20);
const GRAPH_DELAY_MS = Number(process.env.BENCH_GRAPH_DELAY_MS ?? 20);
const ROUTER_EVENTS = Number(process.env.BENCH_ROUTER_EVENTS ?? 100000);
const SCALING_EVENTS = Number(process.env.BENCH_SCALING_EVENTS ?? 40000);
const METERING_STATUSES = Number(process.env.BENCH_METERING_STATUSES ?? 100000);

/** Every scenario, in the order a full run measures them; `npm run bench -- <name...>` (or BENCH_SCENARIOS) picks some. */
const SCENARIOS = ['ingress', 'e2e', 'e2e-2k', 'e2e-tenants', 'crash', 'drain', 'scaling', 'metering', 'gateway'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** the scenarios that run on the whole stack (ingress, gateway, router, wa-sim) */
const STACK_SCENARIOS: readonly Scenario[] = ['e2e', 'e2e-2k', 'e2e-tenants', 'crash'];

async function operator<T>(url: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (response.status >= 300) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Measured {
  ingress: { ingress: LoadResult; baseline: LoadResult; ingressCpuUs: number; baselineCpuUs: number };
  e2e: E2eResult;
  e2e2k: E2eResult;
  tenants: E2eResult;
  crash: E2eResult;
  drain: { router: RouterDrainResult; baseline: RouterDrainResult };
  scaling: [RouterDrainResult, RouterDrainResult];
  metering: { metering: MeteringScenarioResult; baseline: MeteringScenarioResult };
  gateway: GatewayScenarioResult;
  rss: Map<string, number>;
}

type Results = Record<string, number | string | boolean>;

function writeReport(results: Results, m: Measured): void {
  const file = join(repoRoot(), 'docs', 'performance.md');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const { ingress, baseline } = m.ingress;
  const e2eRow = (title: string, e2e: E2eResult) =>
    `| ${title} | p50 ${e2e.p50} ms, p99 ${e2e.p99} ms, max ${e2e.max} ms (ingress answered in p50 ${e2e.ingress_p50} ms, p99 ${e2e.ingress_p99} ms) | — | ${e2e.lost} lost of ${e2e.sent}; ${e2e.refused} answered other than 200 |`;
  const table = [
    begin,
    `Last run: ${new Date().toISOString()} — ${String(results.machine)}; load ${DURATION_S} s per throughput scenario, ${CONNECTIONS} connections; e2e ${E2E_RATE}/s for ${E2E_DURATION_S} s after ${E2E_WARMUP_S} s of warm-up.`,
    '',
    '| scenario | wabridge | baseline (same run) | ratio / note |',
    '|---|---|---|---|',
    `| signed 1 KB webhooks, max throughput | ingress ${ingress.rps} req/s (p50 ${ingress.p50} ms, p99 ${ingress.p99} ms), ${m.ingress.ingressCpuUs} µs CPU per request | bare node:http + HMAC ${baseline.rps} req/s (p50 ${baseline.p50} ms, p99 ${baseline.p99} ms), ${m.ingress.baselineCpuUs} µs | ${String(results.ingress_ratio)}× the throughput, ${String(results.ingress_cpu_ratio)}× the CPU |`,
    `| ingress p99 at a fixed 2,000 req/s | ${String(results.ingress_p99_ms_at_2k)} ms | ${String(results.baseline_p99_ms_at_2k)} ms | |`,
    e2eRow(`end to end ingress → partner at ${E2E_RATE}/s`, m.e2e),
    e2eRow(`end to end at ${E2E_2K_RATE}/s for ${E2E_2K_DURATION_S} s`, m.e2e2k),
    e2eRow(
      `end to end, ${TENANTS_CHANNELS} channels bound to ${TENANTS_ENDPOINTS} partner endpoints, at ${TENANTS_RATE}/s for ${TENANTS_DURATION_S} s`,
      m.tenants,
    ),
    `| router SIGKILLed ${CRASH_KILL_AT_S} s into ${CRASH_RATE} webhooks/s for ${CRASH_DURATION_S} s, back after ${CRASH_DOWN_S} s | ${m.crash.repeated} deliveries repeated | — | ${m.crash.lost} lost of ${m.crash.sent}; ${m.crash.refused} answered other than 200 |`,
    `| router backlog drain, ${m.drain.router.events} events to a keep-alive partner | ${m.drain.router.per_s} deliveries/s (${m.drain.router.seconds} s), ${m.drain.router.cpu_us_per_delivery} µs router CPU per delivery | bare kafkajs consumer + undici POST: ${m.drain.baseline.per_s} deliveries/s, ${m.drain.baseline.cpu_us_per_delivery} µs | ${String(results.router_cpu_ratio)}× the CPU; ${m.drain.router.lost} lost |`,
    `| scaling: ${m.scaling[1].events} events, 12 partitions, one router vs two in one group (the second joins mid-drain) | two: ${m.scaling[1].per_s} deliveries/s | one: ${m.scaling[0].per_s} deliveries/s | ${String(results.router_scaling_ratio)}×; ${m.scaling[1].lost} lost, ${m.scaling[1].duplicates} repeated in the rebalance |`,
    `| metering, ${m.metering.metering.statuses} priced statuses from a backlog | ${m.metering.metering.per_s} statuses/s (${m.metering.metering.seconds} s), ${m.metering.metering.cpu_us_per_status} µs CPU per status | bare consume + one INSERT per batch: ${m.metering.baseline.per_s} statuses/s, ${m.metering.baseline.cpu_us_per_status} µs | ${String(results.metering_cpu_ratio)}× the CPU; counts exact: ${m.metering.metering.exact} |`,
    `| partner sends at a fixed ${m.gateway.rate}/s across ${m.gateway.numbers} numbers, Graph answering in ${GRAPH_DELAY_MS} ms | gateway p50 ${m.gateway.gateway.p50} ms, p99 ${m.gateway.gateway.p99} ms (adds ${m.gateway.gateway_added_p50_ms} / ${m.gateway.gateway_added_p99_ms} ms), ${m.gateway.gateway_cpu_us} µs CPU per send | bare node:http proxy p50 ${m.gateway.proxy.p50} ms, p99 ${m.gateway.proxy.p99} ms, ${m.gateway.proxy_cpu_us} µs | ${String(results.gateway_cpu_ratio)}× the CPU; ${m.gateway.gateway.non2xx + m.gateway.gateway.errors} sends not answered 2xx |`,
    `| resident memory (max during the run) | ${[...m.rss].map(([name, mb]) => `${name} ${mb} MB`).join(', ')} | — | |`,
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

const e2eKeys = (prefix: string, e2e: E2eResult): Results => ({
  [`${prefix}_p50_ms`]: e2e.p50,
  [`${prefix}_p99_ms`]: e2e.p99,
  [`${prefix}_lost`]: e2e.lost,
  [`${prefix}_refused`]: e2e.refused,
});

/** The whole stack with one client whose partner is `partner`, onboarded through the gateway's real API. */
async function startStack(
  env: Record<string, string>,
  ports: Record<ServiceName, number>,
  adminToken: string,
  partner: PartnerSink,
  phoneNumberId: string,
): Promise<ServiceProcess[]> {
  // BENCH_ROUTER_NODE_OPTIONS is passed to the router (e.g. --cpu-prof --cpu-prof-dir=tmp/prof)
  const routerOptions = process.env.BENCH_ROUTER_NODE_OPTIONS;
  const envOf = (name: ServiceName) => (name === 'router' && routerOptions ? { ...env, NODE_OPTIONS: routerOptions } : env);
  const stack = (Object.keys(ports) as ServiceName[]).map(
    (name) => new ServiceProcess(name, ports[name], envOf(name), join(serviceLogDir(), `bench-${name}.log`)),
  );
  await Promise.all(stack.map((service) => service.start()));
  const gateway = `http://127.0.0.1:${ports.gateway}`;
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
  return stack;
}

async function main(): Promise<void> {
  silenceKnownWarnings();
  const selected = selectScenarios(SCENARIOS, process.argv.slice(2), process.env.BENCH_SCENARIOS);
  say(`scenarios: ${[...selected].join(', ')}`);
  const infra = await startBenchInfra('e2e', 3);
  const services: ServiceProcess[] = [];
  const partner = new PartnerSink();
  const tenantsPartner = new PartnerSink();
  const measured: Partial<Measured> = {};
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
    const results: Results = {
      machine: `${process.platform}/${process.arch}, ${(await import('node:os')).cpus().length} cores, Node ${process.versions.node}`,
    };

    if (selected.has('ingress')) {
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
      const [ingressCpuUs] = solo.variants[0].cpuUs;
      const [baselineCpuUs] = solo.baselineCpuUs;
      measured.ingress = { ingress, baseline, ingressCpuUs, baselineCpuUs };
      Object.assign(results, {
        ingress_rps: ingress.rps,
        baseline_rps: baseline.rps,
        ingress_ratio: ratio(ingress.rps, baseline.rps),
        ingress_p50_ms: ingress.p50,
        ingress_p99_ms: ingress.p99,
        ingress_errors: ingress.non2xx + ingress.errors,
        ingress_p99_ms_at_2k: ingress2k.p99,
        baseline_p99_ms_at_2k: baseline2k.p99,
        ingress_cpu_us: ingressCpuUs,
        ingress_baseline_cpu_us: baselineCpuUs,
        ingress_cpu_ratio: ratio(ingressCpuUs, baselineCpuUs),
      });
    }

    if (STACK_SCENARIOS.some((name) => selected.has(name))) {
      // end to end: the whole stack, a client whose partner is the sink, onboarded through the real APIs
      await partner.start();
      const phoneNumberId = '190000000000001';
      const stack = await startStack(env, ports, adminToken, partner, phoneNumberId);
      services.push(...stack);
      const router = stack.find((service) => service.name === 'router');
      const ingressUrl = `http://127.0.0.1:${ports.ingress}/webhooks/whatsapp`;
      const load = { ingressUrl, secret, phoneNumberIds: [phoneNumberId], partner };

      if (E2E_WARMUP_S > 0) {
        say(`end to end: warm-up at ${E2E_RATE}/s for ${E2E_WARMUP_S} s`);
        say(`  ${JSON.stringify(await endToEnd({ ...load, rate: E2E_RATE, durationS: E2E_WARMUP_S }))}`);
      }
      if (selected.has('e2e')) {
        say(`end to end at ${E2E_RATE}/s for ${E2E_DURATION_S} s`);
        const e2e = await endToEnd({ ...load, rate: E2E_RATE, durationS: E2E_DURATION_S });
        say(`  ${JSON.stringify(e2e)}`);
        measured.e2e = e2e;
        Object.assign(results, { e2e_rate: E2E_RATE, ...e2eKeys('e2e', e2e) });
      }
      if (selected.has('e2e-2k')) {
        say(`end to end at ${E2E_2K_RATE}/s for ${E2E_2K_DURATION_S} s`);
        const e2e2k = await endToEnd({ ...load, rate: E2E_2K_RATE, durationS: E2E_2K_DURATION_S });
        say(`  ${JSON.stringify(e2e2k)}`);
        measured.e2e2k = e2e2k;
        Object.assign(results, e2eKeys('e2e_2k', e2e2k));
      }
      if (selected.has('e2e-tenants')) {
        await tenantsPartner.start(TENANTS_ENDPOINTS);
        say(`end to end, tenants: ${TENANTS_CHANNELS} channels bound to ${TENANTS_ENDPOINTS} partner endpoints`);
        const phoneNumberIds = await provisionTenants(infra.databaseUrl, TENANTS_CHANNELS, tenantsPartner.urls);
        const tenantsLoad = { ...load, phoneNumberIds, partner: tenantsPartner, rate: TENANTS_RATE };
        if (TENANTS_WARMUP_S > 0) {
          say(`  warm-up at ${TENANTS_RATE}/s for ${TENANTS_WARMUP_S} s`);
          say(`  ${JSON.stringify(await endToEnd({ ...tenantsLoad, durationS: TENANTS_WARMUP_S }))}`);
        }
        say(`  at ${TENANTS_RATE}/s for ${TENANTS_DURATION_S} s`);
        const tenants = await endToEnd({ ...tenantsLoad, durationS: TENANTS_DURATION_S });
        say(`  ${JSON.stringify(tenants)}`);
        measured.tenants = tenants;
        Object.assign(results, e2eKeys('e2e_tenants', tenants));
      }
      if (selected.has('crash') && router) {
        say(`router crash: ${CRASH_RATE} webhooks/s for ${CRASH_DURATION_S} s, SIGKILL at ${CRASH_KILL_AT_S} s, back after ${CRASH_DOWN_S} s`);
        const crash = await endToEnd({
          ...load,
          rate: CRASH_RATE,
          durationS: CRASH_DURATION_S,
          settleMs: 120_000,
          during: [
            {
              atS: CRASH_KILL_AT_S,
              run: async () => {
                say(`  SIGKILL router (${partner.arrivals.size} events delivered so far)`);
                await router.kill();
                await new Promise((resolve) => setTimeout(resolve, CRASH_DOWN_S * 1000));
                await router.start(90_000);
                say('  router ready again');
              },
            },
          ],
        });
        say(`  ${JSON.stringify(crash)}`);
        measured.crash = crash;
        Object.assign(results, { crash_repeated: crash.repeated, crash_lost: crash.lost, crash_refused: crash.refused });
      }
      rss.stop();
      await Promise.allSettled(stack.map((service) => service.stop()));
    }
    rss.stop();
    measured.rss = rss.maxMb;

    if (selected.has('drain')) {
      say(`router backlog drain: ${ROUTER_EVENTS} events, the router and then its bare baseline`);
      const drain = await routerDrainScenario({ kafkaBrokers: infra.kafkaBrokers, databaseUrl: infra.databaseUrl, log: say, events: ROUTER_EVENTS });
      say(`  ${JSON.stringify(drain)}`);
      const baseline = await routerDrainScenario({
        kafkaBrokers: infra.kafkaBrokers,
        databaseUrl: infra.databaseUrl,
        log: say,
        events: ROUTER_EVENTS,
        baseline: true,
      });
      say(`  baseline ${JSON.stringify(baseline)}`);
      measured.drain = { router: drain, baseline };
      Object.assign(results, {
        router_drain_per_s: drain.per_s,
        router_drain_lost: drain.lost,
        router_cpu_us_per_delivery: drain.cpu_us_per_delivery,
        router_baseline_per_s: baseline.per_s,
        router_baseline_cpu_us: baseline.cpu_us_per_delivery,
        router_cpu_ratio: ratio(drain.cpu_us_per_delivery, baseline.cpu_us_per_delivery),
      });
    }
    if (selected.has('scaling')) {
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
      measured.scaling = scaling;
      Object.assign(results, {
        router_scaling_one_per_s: scaling[0].per_s,
        router_scaling_two_per_s: scaling[1].per_s,
        router_scaling_ratio: ratio(scaling[1].per_s, scaling[0].per_s),
        router_scaling_lost: scaling[0].lost + scaling[1].lost,
      });
    }
    if (selected.has('metering')) {
      say(`metering: ${METERING_STATUSES} priced statuses, metering and then its bare baseline`);
      const meteringOptions = { kafkaBrokers: infra.kafkaBrokers, databaseUrl: infra.databaseUrl, log: say, statuses: METERING_STATUSES };
      const metering = await meteringScenario(meteringOptions);
      say(`  ${JSON.stringify(metering)}`);
      const baseline = await meteringScenario({ ...meteringOptions, baseline: true });
      say(`  baseline ${JSON.stringify(baseline)}`);
      measured.metering = { metering, baseline };
      Object.assign(results, {
        metering_per_s: metering.per_s,
        metering_exact: metering.exact,
        metering_cpu_us: metering.cpu_us_per_status,
        metering_baseline_per_s: baseline.per_s,
        metering_baseline_cpu_us: baseline.cpu_us_per_status,
        metering_cpu_ratio: ratio(metering.cpu_us_per_status, baseline.cpu_us_per_status),
      });
    }
    if (selected.has('gateway')) {
      const gateway = await gatewayScenario({
        kafkaBrokers: infra.kafkaBrokers,
        databaseUrl: infra.databaseUrl,
        log: say,
        rate: GATEWAY_RATE,
        numbers: GATEWAY_NUMBERS,
        durationS: GATEWAY_DURATION_S,
        graphDelayMs: GRAPH_DELAY_MS,
      });
      measured.gateway = gateway;
      rss.maxMb.set('gateway', Math.max(rss.maxMb.get('gateway') ?? 0, gateway.gateway_max_rss_mb));
      Object.assign(results, {
        gateway_rate: gateway.rate,
        gateway_p50_ms: gateway.gateway.p50,
        gateway_p99_ms: gateway.gateway.p99,
        gateway_added_p50_ms: gateway.gateway_added_p50_ms,
        gateway_added_p99_ms: gateway.gateway_added_p99_ms,
        gateway_proxy_added_p50_ms: gateway.proxy_added_p50_ms,
        gateway_proxy_added_p99_ms: gateway.proxy_added_p99_ms,
        gateway_cpu_us: gateway.gateway_cpu_us,
        gateway_baseline_cpu_us: gateway.proxy_cpu_us,
        gateway_cpu_ratio: gateway.gateway_cpu_ratio,
        gateway_errors: gateway.gateway.non2xx + gateway.gateway.errors,
      });
    }
    if (rss.maxMb.size > 0) results.max_rss_mb = Math.max(...rss.maxMb.values());

    if (SCENARIOS.every((name) => selected.has(name))) writeReport(results, measured as Measured);
    else say('a subset of the scenarios ran: docs/performance.md is left as it is');
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    await Promise.allSettled([partner.stop(), tenantsPartner.stop()]);
    await Promise.allSettled(services.map((service) => service.stop()));
    await infra.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
