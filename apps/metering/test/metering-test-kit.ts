// Shared by metering's e2e files: a metering process on the run's Kafka and PostgreSQL, with helpers
// to onboard channels straight in Postgres, build and produce records and read what metering committed.
import { randomInt, randomUUID } from 'node:crypto';
import { BatchingProducer, createKafka, type OutgoingRecord } from '@wabridge/kafka';
import { ChannelEntity, ClientEntity, createDataSource } from '@wabridge/persistence';
import { FIXTURE_IDS, metaFixtureFor, TestStack, testInfra, waitFor, type MetaFixture } from '@wabridge/testing';
import type { DataSource } from 'typeorm';

export interface TestChannel {
  clientId: string;
  channelId: string;
  phoneNumberId: string;
  wabaId: string;
}

export interface Totals {
  template_sends: number;
  priced_messages: number;
}

/** A 15-digit id like Meta's (randomInt's range is limited to 2^48). */
export const businessId = (): string => `${randomInt(1, 10)}${String(randomInt(0, 1e14)).padStart(14, '0')}`;

export const newWamid = (): string => `wamid.e2e-${randomUUID()}`;

/** The fixtures' statuses carry timestamp 1718000100 / 1718000160: 2024-06-10 (UTC). */
export const FIXTURE_DAY = '2024-06-10';

/** The gateway's outbound event for a send on `channel` (a template send unless `type` says otherwise). */
export function outboundEvent(
  channel: TestChannel,
  wamid: string,
  options: { type?: string; template?: { name: string; language: string }; acceptedAt?: string } = {},
): OutgoingRecord {
  const type = options.type ?? 'template';
  const event = {
    wamid,
    phone_number_id: channel.phoneNumberId,
    channel_id: channel.channelId,
    client_id: channel.clientId,
    type,
    ...(type === 'template' ? { template: options.template ?? { name: 'order_update', language: 'en_US' } } : {}),
    accepted_at: options.acceptedAt ?? `${FIXTURE_DAY}T06:14:00.000Z`,
  };
  return { key: channel.phoneNumberId, value: JSON.stringify(event) };
}

/** A Meta webhook fixture addressed to `channel`, its template status about `wamid`. */
export function webhook(channel: Pick<TestChannel, 'phoneNumberId' | 'wabaId'>, fixture: MetaFixture, wamid: string): OutgoingRecord {
  return {
    key: channel.phoneNumberId,
    value: metaFixtureFor(fixture, {
      [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
      [FIXTURE_IDS.wabaId]: channel.wabaId,
      [FIXTURE_IDS.templateWamid]: wamid,
      [FIXTURE_IDS.inboundWamid]: newWamid(),
    }),
  };
}

export class MeteringKit {
  private constructor(
    readonly stack: TestStack,
    readonly dataSource: DataSource,
    readonly kafka: ReturnType<typeof createKafka>,
    readonly admin: ReturnType<ReturnType<typeof createKafka>['admin']>,
    readonly producer: BatchingProducer,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<MeteringKit> {
    const stack = await TestStack.start({ services: ['metering'], env: { metering: env } });
    const dataSource = createDataSource({ url: testInfra().databaseUrl, poolSize: 2, applicationName: 'metering-e2e' });
    await dataSource.initialize();
    const kafka = createKafka({ brokers: testInfra().kafkaBrokers.split(','), clientId: 'metering-e2e' });
    const admin = kafka.admin();
    await admin.connect();
    const producer = new BatchingProducer(kafka);
    await producer.connect();
    return new MeteringKit(stack, dataSource, kafka, admin, producer);
  }

  get groupId(): string {
    return `${this.stack.prefix}wabridge-metering`;
  }

  async stop(): Promise<void> {
    await this.producer.disconnect();
    await this.admin.disconnect();
    await this.dataSource.destroy();
    await this.stack.stop();
  }

  /** A client with one channel, written straight into Postgres (the gateway is not part of this stack). */
  async onboard(): Promise<TestChannel> {
    const client = await this.dataSource.getRepository(ClientEntity).save({ name: `metering e2e ${randomUUID()}` });
    return this.addChannel(client.id);
  }

  async addChannel(clientId: string): Promise<TestChannel> {
    const phoneNumberId = businessId();
    const wabaId = businessId();
    const channel = await this.dataSource.getRepository(ChannelEntity).save({
      clientId,
      phoneNumberId,
      wabaId,
      displayPhoneNumber: businessId().slice(0, 11),
    });
    return { clientId, channelId: channel.id, phoneNumberId, wabaId };
  }

  async produce(topic: 'outbound' | 'webhooks', records: OutgoingRecord[]): Promise<void> {
    await this.producer.send(this.stack.topics[topic], records);
  }

  async get(path: string, authorization: string | null = `Bearer ${this.stack.adminToken}`) {
    const response = await fetch(`${this.stack.url('metering')}${path}`, { headers: authorization === null ? {} : { authorization } });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  async totals(clientId: string, from: string, to: string): Promise<Totals> {
    const response = await this.get(`/admin/v1/usage?${new URLSearchParams({ client_id: clientId, from, to, group_by: 'day' }).toString()}`);
    if (response.status !== 200) throw new Error(`usage answered ${response.status}: ${response.text}`);
    return (JSON.parse(response.text) as { totals: Totals }).totals;
  }

  async waitForTotals(clientId: string, totals: Totals, from: string, to: string): Promise<void> {
    await waitFor(
      async () => {
        const current = await this.totals(clientId, from, to);
        return current.template_sends === totals.template_sends && current.priced_messages === totals.priced_messages;
      },
      { timeoutMs: 30_000, what: `usage totals ${JSON.stringify(totals)}` },
    );
  }

  /** Metering (or another group) committed every record produced so far (it commits only after applying a batch). */
  async drained(groupId = this.groupId): Promise<boolean> {
    for (const topic of [this.stack.topics.outbound, this.stack.topics.webhooks]) {
      const [ends, committed] = await Promise.all([this.admin.fetchTopicOffsets(topic), this.admin.fetchOffsets({ groupId, topics: [topic] })]);
      const done = new Map(committed[0].partitions.map((p) => [p.partition, p.offset]));
      if (!ends.every(({ partition, high }) => high === '0' || done.get(partition) === high)) return false;
    }
    return true;
  }

  waitDrained(timeoutMs = 30_000, groupId = this.groupId): Promise<boolean> {
    return waitFor(() => this.drained(groupId), { timeoutMs, what: `${groupId} to commit every produced record` });
  }

  /** The value of one Prometheus sample on metering's /metrics (0 when absent). */
  async metric(sample: string): Promise<number> {
    const response = await this.get('/metrics', null);
    const line = response.text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
    return line ? Number(line.slice(sample.length + 1)) : 0;
  }
}
