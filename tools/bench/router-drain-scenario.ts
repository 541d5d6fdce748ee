// Bench scenario: how fast one router drains a backlog of webhook events to a partner. The backlog
// is produced before the router starts, so the number is the router's own rate (fetch, binding
// lookup, signing, one HTTP POST per event over keep-alive connections, outcome record), not the
// producer's. The partner is an in-process node:http server answering 200 at once.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { topicNames, WebhookHeaders } from '@wabridge/contracts';
import { BatchingProducer, createKafka, ensureTopics, type OutgoingRecord } from '@wabridge/kafka';
import { freePort, serviceLogDir, ServiceProcess, waitFor } from '@wabridge/local-infra';
import { uniqueDigits } from '@wabridge/testing';
import { createDataSource } from '@wabridge/persistence';
import { generateSigningSecret, SecretBox } from '@wabridge/webhook-security';
import { processCpuSeconds, processPeakRssMb, startBaselineProcess, type BaselineProcess } from './bench-infra';

export interface RouterDrainOptions {
  kafkaBrokers: string;
  databaseUrl: string;
  log: (message: string) => void;
  /** events in the backlog (default BENCH_ROUTER_EVENTS or 100,000) */
  events?: number;
  /** partitions of the scenario's topics (default 6) */
  partitions?: number;
  /** extra environment for the router process (e.g. NODE_OPTIONS=--cpu-prof) */
  env?: Record<string, string>;
  /**
   * router instances in one consumer group (default 1). The second and later join once a tenth of the
   * backlog is delivered, so the group rebalances mid-flow: the scaling run.
   */
  routers?: number;
  /** the router's entry file (default: the build in WABRIDGE_SERVICES_BUILD, else the sources), for A/B runs of other builds */
  entry?: string;
  /**
   * Drain with the router's baseline instead (router-baseline.ts: a bare kafkajs consumer POSTing each
   * record to the same partner over keep-alive connections, no logic): what Node itself costs per delivery.
   */
  baseline?: boolean;
}

export interface RouterDrainResult {
  events: number;
  seconds: number;
  per_s: number;
  /** events the partner never received */
  lost: number;
  /** deliveries beyond the first of an event (at-least-once: a rebalance may repeat some) */
  duplicates: number;
  /** router instances (0: the baseline drained it) */
  routers: number;
  /** CPU time (user + system) the router process(es) used per delivery from the moment it was ready, µs */
  cpu_us_per_delivery: number;
  /** the highest peak resident memory of a router process */
  max_rss_mb: number;
}

const CHANNELS = 6;
const BLOCK = 1000;

interface Channel {
  phoneNumberId: string;
  wabaId: string;
}

/** An inbound text as Meta sends it (the shape of inbound-text.json), for event `n`. */
function eventRecord(prefix: string, channel: Channel, n: number): OutgoingRecord {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: channel.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550000001', phone_number_id: channel.phoneNumberId },
              contacts: [{ profile: { name: 'Bench' }, wa_id: '15550001111' }],
              messages: [{ from: '15550001111', id: `wamid.${prefix}${n}`, timestamp: '1718006400', text: { body: 'hello' }, type: 'text' }],
            },
          },
        ],
      },
    ],
  });
  return {
    key: channel.phoneNumberId,
    value: body,
    headers: {
      [WebhookHeaders.eventId]: `evt_${prefix}${n}`,
      [WebhookHeaders.receivedAt]: new Date().toISOString(),
      [WebhookHeaders.phoneNumberId]: channel.phoneNumberId,
      [WebhookHeaders.wabaId]: channel.wabaId,
      [WebhookHeaders.field]: 'messages',
      [WebhookHeaders.contentType]: 'application/json',
    },
  };
}

/** The partner: counts distinct webhook-ids, answers 200 immediately, keeps connections alive. */
interface Partner {
  server: Server;
  url: string;
  seen: Set<string>;
  requests: () => number;
  firstAt: () => number | undefined;
}

async function startPartner(): Promise<Partner> {
  const seen = new Set<string>();
  let firstAt: number | undefined;
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      if (typeof id === 'string') {
        firstAt ??= performance.now();
        seen.add(id);
        requests += 1;
      }
      res.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    seen,
    requests: () => requests,
    firstAt: () => firstAt,
  };
}

export async function routerDrainScenario(opts: RouterDrainOptions): Promise<RouterDrainResult> {
  const events = opts.events ?? (process.env.BENCH_ROUTER_EVENTS ? Number(process.env.BENCH_ROUTER_EVENTS) : 100_000);
  const topicPrefix = `bench-router-${randomBytes(4).toString('hex')}.`;
  const topics = topicNames(topicPrefix);
  const partitions = opts.partitions ?? 6;
  const kafka = createKafka({ brokers: opts.kafkaBrokers.split(','), clientId: 'wabridge-bench-router' });
  await ensureTopics(
    kafka,
    Object.values(topics).map((topic) => ({ topic, numPartitions: partitions })),
  );
  const dataSource = createDataSource({ url: opts.databaseUrl, poolSize: 2, applicationName: 'wabridge-bench-router' });
  await dataSource.initialize();
  const partner = await startPartner();
  const producer = new BatchingProducer(kafka, { ackTimeoutMs: 30_000, maxBatchRecords: 1000 });
  const routerCount = opts.routers ?? 1;
  const routers: ServiceProcess[] = [];
  let baseline: BaselineProcess | undefined;
  try {
    const [{ id: clientId }] = await dataSource.query<{ id: string }[]>('INSERT INTO clients (name) VALUES ($1) RETURNING id', [`bench router ${topicPrefix}`]);
    const channels: Channel[] = [];
    for (let i = 0; i < CHANNELS; i += 1) {
      const channel = { phoneNumberId: uniqueDigits(15), wabaId: uniqueDigits(15) };
      const [{ id }] = await dataSource.query<{ id: string }[]>(
        `INSERT INTO channels (client_id, phone_number_id, waba_id, display_phone_number) VALUES ($1, $2, $3, $4) RETURNING id`,
        [clientId, channel.phoneNumberId, channel.wabaId, uniqueDigits(11)],
      );
      await dataSource.query(
        `INSERT INTO webhook_destinations (channel_id, kind, name, url, headers, signing_secret)
         VALUES ($1, 'primary', 'primary', $2, '{}'::jsonb, $3)`,
        [id, partner.url, SecretBox.fromEnv(process.env.SECRETS_KEY).seal(generateSigningSecret())],
      );
      channels.push(channel);
    }

    opts.log(`router: producing ${events} events to ${topics.webhooks} (${partitions} partitions)`);
    await producer.connect();
    const producedAt = performance.now();
    const pending: Promise<void>[] = [];
    for (let start = 0; start < events; start += BLOCK) {
      const records: OutgoingRecord[] = [];
      for (let n = start; n < Math.min(events, start + BLOCK); n += 1) records.push(eventRecord(topicPrefix, channels[n % CHANNELS], n));
      pending.push(producer.send(topics.webhooks, records));
      if (pending.length >= 8) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    opts.log(`router: backlog produced in ${((performance.now() - producedAt) / 1000).toFixed(1)} s`);

    let readyAt: number;
    /** delivered before the CPU time was first read (a router may deliver before it answers ready) */
    let deliveredBefore = 0;
    let cpuSeconds: () => number;
    let joining: Promise<unknown> = Promise.resolve();
    if (opts.baseline) {
      baseline = await startBaselineProcess('router-baseline.ts', {
        BASELINE_KAFKA_BROKERS: opts.kafkaBrokers,
        BASELINE_TOPIC: topics.webhooks,
        BASELINE_PARTNER_URL: partner.url,
        BASELINE_PARTITIONS: String(partitions),
      });
      const pid = baseline.pid;
      const cpuAtStart = processCpuSeconds(pid);
      readyAt = performance.now();
      baseline.go();
      cpuSeconds = () => processCpuSeconds(pid) - cpuAtStart;
    } else {
      for (let i = 0; i < routerCount; i += 1) {
        routers.push(
          new ServiceProcess(
            'router',
            await freePort(),
            {
              KAFKA_BROKERS: opts.kafkaBrokers,
              DATABASE_URL: opts.databaseUrl,
              KAFKA_TOPIC_PREFIX: topicPrefix,
              HOST: '127.0.0.1',
              LOG_LEVEL: 'warn',
              WEBHOOK_URL_ALLOW_HTTP: 'true',
              WEBHOOK_URL_ALLOW_CIDRS: '127.0.0.0/8',
              ROUTER_TOPIC_PARTITIONS: String(partitions),
              ...opts.env,
            },
            join(serviceLogDir(), `bench-router-${topicPrefix}${i}.log`),
            { entry: opts.entry },
          ),
        );
      }
      // Delivery may begin a moment before /health/ready answers: the clock starts at whichever comes
      // first, the router being ready or the partner's first request.
      await routers[0].start();
      readyAt = performance.now();
      deliveredBefore = partner.seen.size;
      const cpuAtStart = new Map(routers.map((router, i) => [i, i === 0 ? processCpuSeconds(router.pid) : 0]));
      joining =
        routers.length > 1
          ? waitFor(() => partner.seen.size >= events / 10, { timeoutMs: Math.max(120_000, events * 5), intervalMs: 20, what: 'a tenth of the backlog' })
              .then(() => Promise.all(routers.slice(1).map((router) => router.start())))
              .then(() => routers.forEach((router, i) => i > 0 && cpuAtStart.set(i, processCpuSeconds(router.pid))))
              .then(() => opts.log(`router: ${routers.length - 1} more instance(s) joined at ${partner.seen.size} delivered`))
          : Promise.resolve();
      cpuSeconds = () => routers.reduce((sum, router, i) => sum + processCpuSeconds(router.pid) - (cpuAtStart.get(i) ?? 0), 0);
    }
    let doneAt = readyAt;
    await waitFor(
      () => {
        if (partner.seen.size < events) return false;
        doneAt = performance.now();
        return true;
      },
      { timeoutMs: Math.max(120_000, events * 5), intervalMs: 20, what: 'the partner to receive every event' },
    ).catch((error: Error) => opts.log(`router: ${error.message} (${partner.seen.size} of ${events})`));
    if (partner.seen.size < events) doneAt = performance.now();
    await joining;
    const cpu = cpuSeconds();
    const startedAt = Math.min(readyAt, partner.firstAt() ?? readyAt);
    const seconds = (doneAt - startedAt) / 1000;
    const result = {
      events,
      seconds: Math.round(seconds * 100) / 100,
      per_s: Math.round(partner.seen.size / seconds),
      lost: events - partner.seen.size,
      duplicates: partner.requests() - partner.seen.size,
      routers: opts.baseline ? 0 : routerCount,
      cpu_us_per_delivery: Math.round((cpu * 1e6) / Math.max(1, partner.seen.size - deliveredBefore)),
      max_rss_mb: Math.max(...(baseline ? [baseline.pid] : routers.map((router) => router.pid)).map((pid) => processPeakRssMb(pid))),
    };
    opts.log(`router: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await Promise.allSettled([...routers.map((router) => router.stop()), baseline?.stop()]);
    await producer.disconnect();
    partner.server.closeAllConnections();
    await new Promise<void>((resolve) => partner.server.close(() => resolve()));
    await dataSource.destroy();
  }
}
