// Shared by the fault-injection tests under load (kafka-cluster, chaos): a steady stream of signed Meta webhooks to
// ingress and template sends through the gateway, every answer recorded, and the checks that follow — every webhook
// answered 200 reached the bound partner, metering counted every accepted send exactly once.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createKafka, type ConsumedRecord } from '@wabridge/kafka';
import {
  FIXTURE_IDS,
  metaFixtureFor,
  metaHeaders,
  PartnerServer,
  provisionChannel,
  testInfra,
  TopicCollector,
  waitFor,
  type ProvisionedChannel,
  type TestStack,
} from '@wabridge/testing';

const WAMID = /wamid\.[A-Za-z0-9_-]+/g;
const REQUEST_TIMEOUT_MS = 20_000;

/** An answer: the HTTP status, or why there was none. */
export type Answer = number | 'refused' | 'timeout';

export interface LoadOptions {
  webhooksPerSecond: number;
  /** one template send per this many webhooks (0: none) */
  templateEvery: number;
}

/** Channels bound to one partner that answers 200 to everything. */
export async function boundChannels(stack: TestStack, count: number): Promise<{ channels: ProvisionedChannel[]; partner: PartnerServer }> {
  const partner = await PartnerServer.start(() => 200);
  const channels: ProvisionedChannel[] = [];
  for (let i = 0; i < count; i += 1) {
    const channel = await provisionChannel(stack.url('gateway'), stack.adminToken);
    const bound = await fetch(`${stack.url('gateway')}/v1/configs/webhook`, {
      method: 'POST',
      headers: { 'D360-API-KEY': channel.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${partner.url}/hook` }),
    });
    if (bound.status !== 200) throw new Error(`bind: ${bound.status} ${await bound.text()}`);
    channels.push(channel);
  }
  return { channels, partner };
}

async function answerOf(request: Promise<Response>): Promise<{ answer: Answer; response?: Response }> {
  try {
    const response = await request;
    return { answer: response.status, response };
  } catch (error) {
    const name = (error as Error).name;
    return { answer: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'refused' };
  }
}

/**
 * Webhooks at a steady rate (each a fresh inbound message, signed as Meta signs it) and, every `templateEvery`
 * webhooks, a template send; never waits for an answer before the next tick, as Meta and partners do not.
 */
export class SteadyLoad {
  /** wamid → ingress's answer */
  readonly webhooks = new Map<string, Answer>();
  /** template sends: the gateway's answer, and the wamid Meta (the simulator) gave an accepted one */
  readonly sends: { answer: Answer; wamid?: string; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private tick = 0;

  constructor(
    private readonly stack: TestStack,
    private readonly channels: ProvisionedChannel[],
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.fire(), 1000 / this.options.webhooksPerSecond);
  }

  /** Stops sending and waits for every answer. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private fire(): void {
    const channel = this.channels[this.tick % this.channels.length];
    this.tick += 1;
    const wamid = `wamid.${randomBytes(12).toString('base64url')}`;
    const body = metaFixtureFor('inbound-text.json', {
      [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
      [FIXTURE_IDS.wabaId]: channel.wabaId,
      [FIXTURE_IDS.inboundWamid]: wamid,
    });
    this.webhooks.set(wamid, 'timeout');
    this.track(
      answerOf(
        fetch(`${this.stack.url('ingress')}/webhooks/whatsapp`, {
          method: 'POST',
          headers: metaHeaders(body, this.stack.appSecret),
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        }),
      ).then(async ({ answer, response }) => {
        await response?.arrayBuffer().catch(() => undefined);
        this.webhooks.set(wamid, answer);
      }),
    );
    if (this.options.templateEvery > 0 && this.tick % this.options.templateEvery === 0) this.send(channel);
  }

  private send(channel: ProvisionedChannel): void {
    const record: { answer: Answer; wamid?: string; at: number } = { answer: 'timeout', at: Date.now() };
    this.sends.push(record);
    const work = answerOf(
      fetch(`${this.stack.url('gateway')}/messages`, {
        method: 'POST',
        headers: { 'D360-API-KEY': channel.apiKey, 'content-type': 'application/json' },
        body: metaFixtureFor('send-template-request.json', {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      }),
    ).then(async ({ answer, response }) => {
      record.answer = answer;
      if (answer === 200 && response) {
        const { messages } = (await response.json()) as { messages: { id: string }[] };
        record.wamid = messages[0]?.id;
      } else {
        await response?.arrayBuffer().catch(() => undefined);
      }
    });
    this.track(work);
  }

  /** webhooks answered 200 */
  accepted(): string[] {
    return [...this.webhooks].filter(([, answer]) => answer === 200).map(([wamid]) => wamid);
  }

  /** how many answers of each kind, e.g. { 200: 812, 503: 14, refused: 30 } */
  answers(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const answer of this.webhooks.values()) counts[String(answer)] = (counts[String(answer)] ?? 0) + 1;
    return counts;
  }

  acceptedSends(): number {
    return this.sends.filter((send) => send.answer === 200).length;
  }
}

/** How often each wamid arrived at the partner. */
export function deliveredCounts(partner: PartnerServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of partner.received) {
    for (const wamid of new Set(request.body.toString('utf8').match(WAMID) ?? [])) counts.set(wamid, (counts.get(wamid) ?? 0) + 1);
  }
  return counts;
}

export interface Outcome {
  webhooks: number;
  accepted: number;
  lost: number;
  repeated: number;
  answers: Record<string, number>;
  sends: number;
  acceptedSends: number;
  metered: number;
}

/** Waits until every webhook answered 200 is at the partner (or the time is up); the lost ones are counted, not thrown. */
export async function settle(load: SteadyLoad, partner: PartnerServer, timeoutMs: number): Promise<{ lost: string[]; repeated: number }> {
  const accepted = load.accepted();
  const missing = () => {
    const delivered = deliveredCounts(partner);
    return accepted.filter((wamid) => !delivered.has(wamid));
  };
  await waitFor(() => missing().length === 0, { timeoutMs, intervalMs: 500, what: 'every accepted webhook at the partner' }).catch(() => undefined);
  const delivered = deliveredCounts(partner);
  const repeated = accepted.reduce((sum, wamid) => sum + Math.max(0, (delivered.get(wamid) ?? 0) - 1), 0);
  return { lost: missing(), repeated };
}

/** Template sends metered today for these channels' clients (metering's operator API). */
export async function meteredTemplateSends(stack: TestStack, channels: ProvisionedChannel[]): Promise<number> {
  const today = new Date().toISOString().slice(0, 10);
  let total = 0;
  for (const channel of channels) {
    const response = await fetch(`${stack.url('metering')}/admin/v1/usage?client_id=${channel.clientId}&from=${today}&to=${today}`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    if (response.status !== 200) throw new Error(`usage: ${response.status} ${await response.text()}`);
    total += ((await response.json()) as { totals: { template_sends: number } }).totals.template_sends;
  }
  return total;
}

/** Waits until metering shows `expected` template sends, then checks it stays there (no late double count). */
export async function settleMetering(stack: TestStack, channels: ProvisionedChannel[], expected: number, timeoutMs: number): Promise<number> {
  await waitFor(async () => (await meteredTemplateSends(stack, channels)) >= expected, {
    timeoutMs,
    intervalMs: 500,
    what: `${expected} metered template sends`,
  }).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return meteredTemplateSends(stack, channels);
}

/** The wamids metering recorded as counted template sends (its idempotency table; one row per wamid). */
export async function countedTemplateWamids(databaseUrl: string): Promise<Set<string>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ wamid: string }>("SELECT wamid FROM metering_dedupe WHERE kind = 'template_send'");
    return new Set(rows.map((row) => row.wamid));
  } finally {
    await client.end();
  }
}

/** How many sends the simulated Graph API (Meta) accepted for these channels. */
export async function sendsMetaAccepted(stack: TestStack, channels: ProvisionedChannel[]): Promise<number> {
  let total = 0;
  for (const channel of channels) {
    const response = await fetch(`${stack.url('wa-sim')}/sim/requests?phone_number_id=${channel.phoneNumberId}`);
    total += ((await response.json()) as { requests: unknown[] }).requests.length;
  }
  return total;
}

export function report(title: string, outcome: Outcome): string {
  const other = Object.entries(outcome.answers)
    .filter(([answer]) => answer !== '200')
    .map(([answer, count]) => `${answer}×${count}`)
    .join(', ');
  return (
    `${title}: webhooks ${outcome.webhooks}, answered 200 ${outcome.accepted}, lost ${outcome.lost}, repeated ${outcome.repeated}, ` +
    `non-200 answers ${outcome.webhooks - outcome.accepted}${other ? ` (${other})` : ''}; template sends ${outcome.sends}, accepted ` +
    `${outcome.acceptedSends}, metered ${outcome.metered}`
  );
}

/**
 * For a failed run: where each lost webhook is — every topic of the stack's prefix that holds it (topic, partition,
 * offset, headers), the router's delivery rows for its event id, and the router's warnings and errors. Printed, so a
 * loss seen once on a loaded machine can be explained afterwards.
 */
export async function explainLost(stack: TestStack, infra: { brokers: string; databaseUrl?: string }, lost: string[]): Promise<string> {
  if (lost.length === 0) return '';
  const { brokers, databaseUrl = testInfra().databaseUrl } = infra;
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'chaos-explain' });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(stack.prefix));
  const lines: string[] = [];
  // where each of the stack's consumer groups stands on the webhooks topic
  const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((id) => id.startsWith(stack.prefix));
  for (const groupId of groups) {
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
      lines.push(
        `group ${groupId.slice(stack.prefix.length)} on ${topic.slice(stack.prefix.length)}: ${partitions.map((p) => `p${p.partition}@${p.offset}`).join(' ')}`,
      );
    }
  }
  await admin.disconnect();
  const records: ConsumedRecord[] = [];
  for (const topic of topics) {
    const collector = await TopicCollector.start(topic, brokers);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await collector.stop();
    records.push(...collector.records);
  }
  // the lost wamids' event ids (from the webhooks topic), then every record that names a wamid or an event id
  const eventIds = new Set<string>();
  for (const record of records) {
    const value = record.value?.toString('utf8') ?? '';
    if (record.headers['event-id'] && lost.some((wamid) => value.includes(wamid))) eventIds.add(record.headers['event-id']);
  }
  const needles = [...lost, ...eventIds];
  for (const record of records) {
    const value = record.value?.toString('utf8') ?? '';
    const needle = needles.find((candidate) => value.includes(candidate) || Object.values(record.headers).includes(candidate));
    if (!needle) continue;
    const where = `${record.topic.slice(stack.prefix.length)} p${record.partition} @${record.offset} at ${new Date(Number(record.timestamp)).toISOString()}`;
    lines.push(`${needle} in ${where} ${JSON.stringify(record.headers)}${value.includes('"state"') ? ` ${value}` : ''}`);
  }
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const rows = await db.query('SELECT * FROM deliveries WHERE event_id = ANY($1)', [[...eventIds]]);
    for (const row of rows.rows) lines.push(`delivery row ${JSON.stringify(row)}`);
  } finally {
    await db.end();
  }
  const logLines = stack
    .logs()
    .split('\n')
    .filter((line) => /"level":"(warn|error|fatal)"/.test(line) && !line.includes('"component":"kafkajs"'));
  lines.push(`the services' own warnings and errors (${logLines.length}, last 40):`, ...logLines.slice(-40));
  return lines.join('\n');
}
