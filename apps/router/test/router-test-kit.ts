import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebhookHeaders, type TopicNames } from '@wabridge/contracts';
import { BatchingProducer, createKafka } from '@wabridge/kafka';
import { ChannelEntity, ClientEntity, createDataSource, DeliveryEntity, WebhookDestinationEntity } from '@wabridge/persistence';
import {
  FIXTURE_IDS,
  metaFixtureFor,
  PartnerServer,
  testInfra,
  TestStack,
  waitFor,
  type MetaFixture,
  type Responder,
  type StackOptions,
} from '@wabridge/testing';
import { generateSigningSecret } from '@wabridge/webhook-security';
import type { DataSource } from 'typeorm';

export interface TestChannel {
  channelId: string;
  phoneNumberId: string;
  wabaId: string;
}

export interface Binding {
  id: string;
  signingSecret: string;
}

export interface Published {
  eventId: string;
  body: Buffer;
  producedAt: number;
}

/**
 * A TCP server that accepts connections and never answers: a partner that hangs. Counts
 * connections and requests (by their first bytes), so a test can also prove it was never dialled.
 */
export class SilentServer {
  connections = 0;
  readonly requestsAt: number[] = [];
  private readonly sockets = new Set<Socket>();

  private readonly server: Server;
  url = '';

  private constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(host = '127.0.0.1'): Promise<SilentServer> {
    const instance = new SilentServer();
    await new Promise<void>((resolve) => instance.server.listen(0, host, resolve));
    instance.url = `http://${host}:${(instance.server.address() as AddressInfo).port}`;
    return instance;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.connections += 1;
    this.sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      if (/^POST /.test(chunk.toString('latin1', 0, 5))) this.requestsAt.push(Date.now());
    });
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }
}

/** Direct access to the run's Postgres and Kafka, as the operator API and ingress would write them. */
export class RouterTestKit {
  private constructor(
    readonly db: DataSource,
    readonly producer: BatchingProducer,
    readonly brokers: string[],
    private readonly topics: TopicNames,
  ) {}

  /** On the run's Kafka and Postgres unless `infra` names dedicated ones (fault tests). */
  static async create(topics: TopicNames, infra: { databaseUrl: string; kafkaBrokers: string } = testInfra()): Promise<RouterTestKit> {
    const { databaseUrl, kafkaBrokers } = infra;
    const db = createDataSource({ url: databaseUrl, poolSize: 3, applicationName: 'router-e2e' });
    await db.initialize();
    const brokers = kafkaBrokers.split(',');
    const producer = new BatchingProducer(createKafka({ brokers, clientId: 'router-e2e' }));
    await producer.connect();
    return new RouterTestKit(db, producer, brokers, topics);
  }

  async channel(): Promise<TestChannel> {
    const phoneNumberId = String(randomInt(100_000_000_000_000, 280_000_000_000_000));
    const wabaId = String(randomInt(100_000_000_000_000, 280_000_000_000_000));
    const client = await this.db.getRepository(ClientEntity).save({ name: `router e2e ${phoneNumberId}` });
    const channel = await this.db.getRepository(ChannelEntity).save({
      clientId: client.id,
      phoneNumberId,
      wabaId,
      displayPhoneNumber: String(randomInt(10000000000, 99999999999)),
    });
    return { channelId: channel.id, phoneNumberId, wabaId };
  }

  /** What the gateway writes for POST /v1/configs/webhook (primary) or /multi_webhook (extra). */
  async bind(
    channelId: string,
    url: string,
    options: {
      kind?: 'primary' | 'extra';
      name?: string;
      headers?: Record<string, string>;
      onPremiseFormat?: boolean;
      ordered?: boolean;
    } = {},
  ): Promise<Binding> {
    const signingSecret = generateSigningSecret();
    // stored as the gateway stores it: sealed with the run's SECRETS_KEY
    const { secrets } = testInfra();
    const row = await this.db.getRepository(WebhookDestinationEntity).save({
      channelId,
      kind: options.kind ?? 'primary',
      name: options.name ?? 'primary',
      url,
      headers: secrets.sealHeaders(options.headers ?? {}),
      signingSecret: secrets.seal(signingSecret),
      onPremiseFormat: options.onPremiseFormat ?? false,
      ordered: options.ordered ?? false,
    });
    return { id: row.id, signingSecret };
  }

  /** A rebinding in place: the primary now points elsewhere (last writer wins). */
  async rebind(destinationId: string, url: string): Promise<void> {
    await this.db.getRepository(WebhookDestinationEntity).update({ id: destinationId }, { url });
  }

  async destination(id: string): Promise<WebhookDestinationEntity | null> {
    return this.db.getRepository(WebhookDestinationEntity).findOne({ where: { id } });
  }

  /** Publishes a Meta fixture for this number as ingress would: exact bytes plus the routing headers. */
  async publish(channel: { phoneNumberId: string; wabaId: string }, options: { fixture?: MetaFixture; partition?: number } = {}): Promise<Published> {
    const body = metaFixtureFor(options.fixture ?? 'inbound-text.json', {
      [FIXTURE_IDS.phoneNumberId]: channel.phoneNumberId,
      [FIXTURE_IDS.wabaId]: channel.wabaId,
    });
    return this.publishRaw(
      body,
      {
        [WebhookHeaders.phoneNumberId]: channel.phoneNumberId,
        [WebhookHeaders.wabaId]: channel.wabaId,
        [WebhookHeaders.field]: 'messages',
      },
      channel.phoneNumberId,
      options.partition,
    );
  }

  async publishRaw(body: Buffer, headers: Record<string, string>, key: string, partition?: number): Promise<Published> {
    const eventId = `evt_${randomBytes(24).toString('base64url')}`;
    const producedAt = Date.now();
    await this.producer.send(this.topics.webhooks, [
      {
        key,
        value: body,
        partition,
        headers: {
          [WebhookHeaders.eventId]: eventId,
          [WebhookHeaders.receivedAt]: new Date(producedAt).toISOString(),
          [WebhookHeaders.contentType]: 'application/json',
          ...headers,
        },
      },
    ]);
    return { eventId, body, producedAt };
  }

  async deliveryRow(eventId: string, destination = 'primary'): Promise<DeliveryEntity | null> {
    return this.db.getRepository(DeliveryEntity).findOne({ where: { eventId, destination } });
  }

  /** Waits until the event's deliveries row matches. */
  async waitForRow(eventId: string, match: (row: DeliveryEntity) => boolean, what: string, timeoutMs = 20_000): Promise<DeliveryEntity> {
    return waitFor(
      async () => {
        const row = await this.deliveryRow(eventId);
        return row && match(row) ? row : undefined;
      },
      { timeoutMs, what },
    );
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
    await this.db.destroy();
  }
}

/**
 * What a router e2e spec shares: a TestStack started once for the describe block, a RouterTestKit over
 * it, the partners the tests start, and the router's metrics; everything is closed after the block.
 * Call it at the top of a describe: it registers the beforeAll/afterAll hooks.
 */
export class RouterSuite {
  private current: { stack: TestStack; kit: RouterTestKit } | undefined;
  private readonly partners: PartnerServer[] = [];

  private constructor() {}

  static use(options: StackOptions): RouterSuite {
    const suite = new RouterSuite();
    beforeAll(async () => {
      const stack = await TestStack.start(options);
      suite.current = { stack, kit: await RouterTestKit.create(stack.topics) };
    }, 120_000);
    afterAll(async () => {
      await Promise.all(suite.partners.map((server) => server.close()));
      await suite.current?.kit.close();
      await suite.current?.stack.stop();
    });
    return suite;
  }

  get stack(): TestStack {
    return this.started().stack;
  }

  get kit(): RouterTestKit {
    return this.started().kit;
  }

  /** A partner endpoint, closed after the block; it answers `respond` (PartnerServer's default when none). */
  async partner(respond?: Responder | number): Promise<PartnerServer> {
    const server = await PartnerServer.start();
    if (respond !== undefined) server.respondWith(respond);
    this.partners.push(server);
    return server;
  }

  /** The value of the first line of the router's /metrics that matches, if any. */
  async metric(line: RegExp): Promise<number | undefined> {
    const text = await (await fetch(`${this.stack.url('router')}/metrics`)).text();
    const found = text.split('\n').find((entry) => line.test(entry));
    return found === undefined ? undefined : Number(found.split(' ').pop());
  }

  private started(): { stack: TestStack; kit: RouterTestKit } {
    if (!this.current) throw new Error('the router suite is used before its beforeAll ran');
    return this.current;
  }
}
