// Bench scenario: how fast one metering process tallies a backlog of priced Meta statuses. The
// backlog is produced before metering starts, so the number is metering's own rate (Kafka fetch,
// decode, attribution, one transaction per batch), not the producer's.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { topicNames, WebhookHeaders } from '@wabridge/contracts';
import { BatchingProducer, createKafka, ensureTopics, type KafkaAdmin, type OutgoingRecord } from '@wabridge/kafka';
import { freePort, serviceLogDir, ServiceProcess, waitFor } from '@wabridge/local-infra';
import { uniqueDigits } from '@wabridge/testing';
import { createDataSource } from '@wabridge/persistence';
import type { DataSource } from 'typeorm';
import { processCpuSeconds as benchCpuSeconds, startBaselineProcess } from './bench-infra';
import { cpuUsPer } from './stats';

export interface MeteringScenarioOptions {
  kafkaBrokers: string;
  databaseUrl: string;
  log: (message: string) => void;
  /** priced status records in the backlog (default 100,000; 3 statuses per message) */
  statuses?: number;
  /** partitions of the scenario's topics (default 3) */
  partitions?: number;
  /** extra environment for the metering process (e.g. NODE_OPTIONS for a profile) */
  env?: Record<string, string>;
  /** the metering entry file (default: the build in WABRIDGE_SERVICES_BUILD, else the sources), for A/B runs */
  entry?: string;
  /**
   * Consume the backlog with metering's baseline instead (metering-baseline.ts: bare consume, JSON.parse,
   * one multi-row INSERT per batch, no logic): what Node itself costs per status. `exact` then says
   * whether it wrote one row per status.
   */
  baseline?: boolean;
}

export interface MeteringScenarioResult {
  statuses: number;
  seconds: number;
  per_s: number;
  /** every count equals what was produced, and each message has exactly one dedupe key */
  exact: boolean;
  /** CPU time (user + system) of the metering process (or the baseline's) per status, µs */
  cpu_us_per_status: number;
}

const CHANNELS = 4;
const STATUS_NAMES = ['sent', 'delivered', 'read'] as const;
const CATEGORIES = ['marketing', 'utility', 'authentication'] as const;
/** 2024-06-10T08:00:00Z; messages spread over three UTC days */
const FIRST_SECOND = Date.UTC(2024, 5, 10, 8) / 1000;
const BLOCK = 1000;

interface Channel {
  id: string;
  phoneNumberId: string;
  wabaId: string;
}

async function seed(dataSource: DataSource): Promise<{ clientId: string; channels: Channel[] }> {
  const [{ id: clientId }] = await dataSource.query<{ id: string }[]>('INSERT INTO clients (name) VALUES ($1) RETURNING id', [
    `bench metering ${randomBytes(4).toString('hex')}`,
  ]);
  const channels: Channel[] = [];
  for (let i = 0; i < CHANNELS; i += 1) {
    const phoneNumberId = uniqueDigits(15);
    const wabaId = uniqueDigits(15);
    const [{ id }] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO channels (client_id, phone_number_id, waba_id, display_phone_number) VALUES ($1, $2, $3, $4) RETURNING id`,
      [clientId, phoneNumberId, wabaId, uniqueDigits(11)],
    );
    channels.push({ id, phoneNumberId, wabaId });
  }
  return { clientId, channels };
}

function conversation(m: number, sentAt: number, category: string) {
  return { id: `conv${String(m).padStart(28, '0')}`, expiration_timestamp: String(sentAt + 86_400), origin: { type: category } };
}

/** The priced status of message `m` as Meta sends it (one change, one status, like status-sent-priced.json). */
function statusRecord(prefix: string, channel: Channel, m: number, status: (typeof STATUS_NAMES)[number]): OutgoingRecord {
  const category = CATEGORIES[m % CATEGORIES.length];
  const sentAt = FIRST_SECOND + (m % 3) * 86_400 + (m % 3600);
  const timestamp = sentAt + STATUS_NAMES.indexOf(status) * 30;
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
              statuses: [
                {
                  id: `wamid.${prefix}${m}`,
                  status,
                  timestamp: String(timestamp),
                  recipient_id: '15550001111',
                  ...(status === 'sent' ? { conversation: conversation(m, sentAt, category) } : {}),
                  pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category },
                },
              ],
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
      [WebhookHeaders.eventId]: `evt_${prefix}${m}_${status}`,
      [WebhookHeaders.receivedAt]: new Date(timestamp * 1000).toISOString(),
      [WebhookHeaders.phoneNumberId]: channel.phoneNumberId,
      [WebhookHeaders.wabaId]: channel.wabaId,
      [WebhookHeaders.field]: 'messages',
      [WebhookHeaders.contentType]: 'application/json',
    },
  };
}

/**
 * The backlog in the order Meta would send it: messages in blocks, each block's `sent` statuses,
 * then its `delivered`, then its `read`; `statuses` records in all. Returns the priced messages an
 * exact meter must count per "day|category".
 */
async function produceBacklog(
  producer: BatchingProducer,
  topic: string,
  prefix: string,
  channels: Channel[],
  statuses: number,
): Promise<{ messages: number; expected: Map<string, number> }> {
  const messages = Math.ceil(statuses / STATUS_NAMES.length);
  const expected = new Map<string, number>();
  for (let m = 0; m < messages; m += 1) {
    const day = new Date((FIRST_SECOND + (m % 3) * 86_400) * 1000).toISOString().slice(0, 10);
    const key = `${day}|${CATEGORIES[m % CATEGORIES.length]}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  let produced = 0;
  const pending: Promise<void>[] = [];
  for (let start = 0; start < messages; start += BLOCK) {
    const end = Math.min(messages, start + BLOCK);
    for (const status of STATUS_NAMES) {
      const records: OutgoingRecord[] = [];
      for (let m = start; m < end && produced < statuses; m += 1, produced += 1) {
        records.push(statusRecord(prefix, channels[m % channels.length], m, status));
      }
      if (records.length > 0) pending.push(producer.send(topic, records));
      if (pending.length >= 8) await Promise.all(pending.splice(0));
    }
  }
  await Promise.all(pending);
  return { messages, expected };
}

async function tallied(dataSource: DataSource, clientId: string): Promise<Map<string, number>> {
  const rows = await dataSource.query<{ key: string; count: string }[]>(
    `SELECT to_char(day, 'YYYY-MM-DD') || '|' || category AS key, sum(count)::text AS count
       FROM priced_message_counts WHERE client_id = $1 GROUP BY 1`,
    [clientId],
  );
  return new Map(rows.map((row) => [row.key, Number(row.count)]));
}

/** One sample of a Prometheus text page (NaN when absent). */
function sample(metrics: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
}

/**
 * Priced statuses metering has applied so far — each is a fact counted the first time or skipped as a
 * duplicate of its message — and its CPU time: metering may start consuming before /health/ready
 * answers, so CPU per status is the difference of both between ready and done, not CPU ÷ the backlog.
 */
async function progressOf(url: string): Promise<{ statuses: number; cpuSeconds: number }> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const priced = (name: string) => Number(new RegExp(`^${name}\\{kind="priced_message"\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
  return {
    statuses: priced('wabridge_metering_facts_total') + priced('wabridge_metering_duplicates_total'),
    cpuSeconds: sample(metrics, 'process_cpu_seconds_total'),
  };
}

/** Waits until `groupId` has committed the end of every partition of `topic` that holds records. */
async function consumedAll(admin: KafkaAdmin, topic: string, groupId: string, ends: { partition: number; high: string }[]): Promise<void> {
  await waitFor(
    async () => {
      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      const done = new Map(committed[0].partitions.map((p) => [p.partition, p.offset]));
      return ends.every(({ partition, high }) => high === '0' || done.get(partition) === high);
    },
    { timeoutMs: 600_000, intervalMs: 25, what: `${groupId} to consume the backlog` },
  );
}

/** The same backlog through metering-baseline.ts: time and CPU from its start to its last commit. */
async function drainWithBaseline(
  opts: MeteringScenarioOptions,
  dataSource: DataSource,
  run: { topic: string; groupId: string; statuses: number; admin: KafkaAdmin },
): Promise<MeteringScenarioResult> {
  const table = `bench_metering_baseline_${randomBytes(4).toString('hex')}`;
  await dataSource.query(`CREATE TABLE ${table} (wamid text NOT NULL, status text NOT NULL)`);
  const baseline = await startBaselineProcess('metering-baseline.ts', {
    BASELINE_KAFKA_BROKERS: opts.kafkaBrokers,
    BASELINE_DATABASE_URL: opts.databaseUrl,
    BASELINE_TOPIC: run.topic,
    BASELINE_GROUP: run.groupId,
    BASELINE_TABLE: table,
  });
  try {
    const ends = await run.admin.fetchTopicOffsets(run.topic);
    const cpuAtStart = benchCpuSeconds(baseline.pid);
    const startedAt = performance.now();
    baseline.go();
    await consumedAll(run.admin, run.topic, run.groupId, ends);
    const seconds = (performance.now() - startedAt) / 1000;
    const cpu = benchCpuSeconds(baseline.pid) - cpuAtStart;
    const [{ rows }] = await dataSource.query<{ rows: string }[]>(`SELECT count(*)::text AS rows FROM ${table}`);
    const result = {
      statuses: run.statuses,
      seconds: Math.round(seconds * 100) / 100,
      per_s: Math.round(run.statuses / seconds),
      exact: Number(rows) === run.statuses,
      cpu_us_per_status: cpuUsPer(cpu, run.statuses),
    };
    opts.log(`metering baseline: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await baseline.stop();
    await dataSource.query(`DROP TABLE IF EXISTS ${table}`);
  }
}

const total = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + n, 0);

export async function meteringScenario(opts: MeteringScenarioOptions): Promise<MeteringScenarioResult> {
  const statuses = opts.statuses ?? 100_000;
  const topicPrefix = `bench-metering-${randomBytes(4).toString('hex')}.`;
  const topics = topicNames(topicPrefix);
  const groupId = `${topicPrefix}wabridge-metering`;
  const kafka = createKafka({ brokers: opts.kafkaBrokers.split(','), clientId: 'wabridge-bench-metering' });
  await ensureTopics(
    kafka,
    Object.values(topics).map((topic) => ({ topic, numPartitions: opts.partitions ?? 3 })),
  );
  const dataSource = createDataSource({ url: opts.databaseUrl, poolSize: 2, applicationName: 'wabridge-bench-metering' });
  await dataSource.initialize();
  const admin = kafka.admin();
  await admin.connect();
  // A produce request stays well under the broker's 1 MB message.max.bytes per partition batch.
  const producer = new BatchingProducer(kafka, { ackTimeoutMs: 30_000, maxBatchRecords: 1000 });
  let metering: ServiceProcess | undefined;
  let watching = true;
  try {
    const { clientId, channels } = await seed(dataSource);
    opts.log(`metering: producing ${statuses} priced statuses to ${topics.webhooks}`);
    await producer.connect();
    const producedAt = performance.now();
    const { messages, expected } = await produceBacklog(producer, topics.webhooks, topicPrefix, channels, statuses);
    const produceSeconds = ((performance.now() - producedAt) / 1000).toFixed(1);
    opts.log(`metering: backlog of ${statuses} statuses (${messages} messages) produced in ${produceSeconds} s`);

    if (opts.baseline) return await drainWithBaseline(opts, dataSource, { topic: topics.webhooks, groupId, statuses, admin });

    const port = await freePort();
    metering = new ServiceProcess(
      'metering',
      port,
      {
        KAFKA_BROKERS: opts.kafkaBrokers,
        DATABASE_URL: opts.databaseUrl,
        KAFKA_TOPIC_PREFIX: topicPrefix,
        ADMIN_TOKEN: randomBytes(16).toString('hex'),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...opts.env,
      },
      join(serviceLogDir(), `bench-metering-${topicPrefix}log`),
      { entry: opts.entry },
    );
    // Consumption may begin a moment before /health/ready answers: the clock starts at whichever
    // comes first, the service being ready or the first count appearing.
    let firstCountAt: number | undefined;
    const watcher = (async () => {
      while (watching && firstCountAt === undefined) {
        if (total(await tallied(dataSource, clientId)) > 0) firstCountAt = performance.now();
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })().catch((error: unknown) => opts.log(`metering: could not watch the first count (${String(error)})`));
    await metering.start();
    const readyAt = performance.now();
    const atReady = await progressOf(metering.url);
    const ends = await admin.fetchTopicOffsets(topics.webhooks);
    // Done means every record consumed and committed: counts can be complete before the trailing
    // `read` statuses, which only dedupe, went through. Exactness is checked after.
    await consumedAll(admin, topics.webhooks, groupId, ends);
    const doneAt = performance.now();
    watching = false;
    await watcher;
    const startedAt = Math.min(readyAt, firstCountAt ?? readyAt);
    const seconds = (doneAt - startedAt) / 1000;

    const metrics = await (await fetch(`${metering.url}/metrics`)).text();
    const batches = sample(metrics, 'wabridge_metering_batch_apply_seconds_count');
    const applyMs = (sample(metrics, 'wabridge_metering_batch_apply_seconds_sum') * 1000) / batches;
    const atDone = await progressOf(metering.url);
    const cpu = atDone.cpuSeconds - atReady.cpuSeconds;
    const measuredStatuses = atDone.statuses - atReady.statuses;
    opts.log(
      `metering: ${batches} batches of ${Math.round(statuses / batches)} statuses on average, ${applyMs.toFixed(1)} ms each ` +
        `applying; ${cpu.toFixed(2)} s of metering CPU for the ${measuredStatuses} statuses applied after it was ready ` +
        `(${atReady.statuses} before)`,
    );

    const counts = await tallied(dataSource, clientId);
    const [{ keys }] = await dataSource.query<{ keys: string }[]>(
      `SELECT count(*)::text AS keys FROM metering_dedupe WHERE kind = 'priced_message' AND wamid LIKE $1`,
      [`wamid.${topicPrefix}%`],
    );
    const exact = Number(keys) === messages && counts.size === expected.size && [...expected].every(([key, count]) => counts.get(key) === count);
    const result = {
      statuses,
      seconds: Math.round(seconds * 100) / 100,
      per_s: Math.round(statuses / seconds),
      exact,
      cpu_us_per_status: cpuUsPer(cpu, measuredStatuses),
    };
    opts.log(`metering: ${JSON.stringify(result)} (counted ${total(counts)} of ${messages} messages)`);
    return result;
  } finally {
    watching = false;
    await metering?.stop();
    await producer.disconnect();
    await admin.disconnect();
    await dataSource.destroy();
  }
}
