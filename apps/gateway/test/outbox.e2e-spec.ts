// Nothing accepted is lost when Kafka is down (docs/security.md#nothing-accepted-is-lost): a send Meta
// accepted while the broker is gone is kept in the PostgreSQL outbox and published once it is back,
// so every accepted template send is metered exactly once. With PostgreSQL gone too, the partner still
// gets Meta's answer and a metric and a log line say what was not kept.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, startEmbeddedPostgres, startKafka, type Postgres } from '@wabridge/local-infra';
import { createKafka } from '@wabridge/kafka';
import { runMigrations } from '@wabridge/persistence';
import { metaFixture, provisionChannel, RestartableKafka, TestStack, testInfra, waitFor, type ProvisionedChannel } from '@wabridge/testing';
import { Client } from 'pg';
import { call, partnerKey } from './support/http';

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

const templateSend = () => JSON.parse(metaFixture('send-template-request.json').toString('utf8')) as Record<string, unknown>;

describe('gateway outbox: accepted sends survive a Kafka outage', () => {
  const cleanup: (() => Promise<unknown>)[] = [];

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  it('meters every send accepted while the broker was SIGKILLed for 10 s exactly once, and empties the outbox', async () => {
    const broker = await RestartableKafka.start({ partitions: 2 });
    cleanup.push(() => broker.stop());
    const infra = { kafkaBrokers: broker.brokers.join(','), databaseUrl: testInfra().databaseUrl };
    const stack = await TestStack.start({
      services: ['gateway', 'metering', 'wa-sim'],
      infra,
      env: { gateway: { GATEWAY_PUBLISH_TIMEOUT_MS: '1000', OUTBOX_RELAY_INTERVAL_MS: '200' } },
    });
    cleanup.push(() => stack.stop());
    const gateway = stack.url('gateway');
    const channel = await provisionChannel(gateway, stack.adminToken);
    const db = new Client({ connectionString: infra.databaseUrl });
    await db.connect();
    cleanup.push(() => db.end());

    // steady sends, ~20/s, each answered with Meta's wamid: those are the sends that must be metered
    const accepted: string[] = [];
    const failed: number[] = [];
    const inFlight = new Set<Promise<void>>();
    let sending = true;
    const loop = (async () => {
      while (sending) {
        const sent = call('POST', `${gateway}/messages`, { headers: partnerKey(channel.apiKey), body: templateSend() }).then((answer) => {
          if (answer.status === 200) accepted.push(String(answer.body.messages[0].id));
          else failed.push(answer.status);
        });
        inFlight.add(sent);
        void sent.finally(() => inFlight.delete(sent));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const outboxSize = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM outbound_outbox`)).rows[0].n);
    await waitFor(() => accepted.length >= 40, { timeoutMs: 30_000, what: 'sends to be under way' });
    const acceptedBeforeKill = accepted.length;
    await broker.kill();
    const killedAt = Date.now();
    let deepest = 0;
    while (Date.now() - killedAt < 10_000) {
      deepest = Math.max(deepest, await outboxSize());
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const acceptedBeforeBack = accepted.length;
    await broker.startAgain();
    const backAt = Date.now();
    await waitFor(async () => (await outboxSize()) === 0, { timeoutMs: 30_000, intervalMs: 100, what: 'the outbox to empty' });
    const drainedInMs = Date.now() - backAt;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    sending = false;
    await loop;
    await Promise.all([...inFlight]);

    expect(failed).toEqual([]);
    expect(deepest).toBeGreaterThan(0);
    expect(await metric(gateway, 'wabridge_gateway_outbox_kept_total')).toBeGreaterThan(0);
    expect(await metric(gateway, 'wabridge_gateway_outbound_lost_total')).toBe(0);
    await waitFor(async () => (await outboxSize()) === 0, { timeoutMs: 30_000, what: 'the outbox to stay empty' });

    const today = new Date().toISOString().slice(0, 10);
    const metered = async () => {
      const answer = await call('GET', `${stack.url('metering')}/admin/v1/usage?client_id=${channel.clientId}&from=${today}&to=${today}&group_by=channel`, {
        headers: { authorization: `Bearer ${stack.adminToken}` },
      });
      return Number(answer.body.totals.template_sends);
    };
    // metering's consumer must first find its group coordinator again on the restarted broker (kafkajs retries with
    // back-off, then restarts the consumer): that took from seconds to over a minute on a loaded 2-core machine
    const catchUpFrom = Date.now();
    await waitFor(async () => (await metered()) >= accepted.length, { timeoutMs: 150_000, what: `metering to count ${accepted.length} template sends` }).catch(
      async (error: unknown) => {
        // an intermittent failure in CI: say which sends are missing (sent before the kill, during the outage or after)
        // and where the group stands on the broker, so the next run's log tells whether the broker or metering lost them
        const counted = new Set(
          (await db.query<{ wamid: string }>(`SELECT wamid FROM metering_dedupe WHERE kind = 'template_send' AND wamid = ANY($1)`, [accepted])).rows.map(
            (row) => row.wamid,
          ),
        );
        const missing = accepted.flatMap((wamid, index) => (counted.has(wamid) ? [] : [index]));
        const phase = (index: number) => (index < acceptedBeforeKill ? 'before the kill' : index < acceptedBeforeBack ? 'during the outage' : 'after');
        const byPhase: Record<string, number> = {};
        for (const index of missing) byPhase[phase(index)] = (byPhase[phase(index)] ?? 0) + 1;
        const admin = createKafka({ brokers: broker.brokers, clientId: 'outbox-e2e-diagnostics' }).admin();
        await admin.connect();
        const ends = await admin.fetchTopicOffsets(stack.topics.outbound);
        const committed = await admin.fetchOffsets({ groupId: `${stack.prefix}wabridge-metering`, topics: [stack.topics.outbound] });
        await admin.disconnect();
        process.stderr.write(
          `outbox diagnostics: ${accepted.length} accepted (${acceptedBeforeKill} before the kill, ${acceptedBeforeBack} before the broker was back), ` +
            `${counted.size} counted; missing by phase: ${JSON.stringify(byPhase)}; ` +
            `outbound ends ${JSON.stringify(ends.map(({ partition, low, high }) => ({ partition, low, high })))}; committed ${JSON.stringify(committed[0]?.partitions ?? [])}\n`,
        );
        throw error;
      },
    );
    const caughtUpInMs = Date.now() - catchUpFrom;
    // a relay that published twice must not count twice: exactly the accepted sends, no more
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await metered()).toBe(accepted.length);
    expect(new Set(accepted).size).toBe(accepted.length);
    process.stderr.write(
      `outbox: ${accepted.length} sends accepted, outbox peaked at ${deepest}, empty ${drainedInMs} ms after the broker was back; metering caught up ${caughtUpInMs} ms later\n`,
    );
    // the outbox held ids, template name and language and times only
    const columns = await db.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'outbound_outbox'`);
    expect(columns.rows.map((row) => row.column_name).sort()).toEqual(
      ['accepted_at', 'channel_id', 'client_id', 'id', 'kept_at', 'phone_number_id', 'template_language', 'template_name', 'type', 'wamid'].sort(),
    );
  }, 330_000);

  it('answers the partner as Meta answered when Kafka and PostgreSQL are both down, and says what it could not keep', async () => {
    const kafkaDir = await mkdtemp(join(tmpdir(), 'wabridge-outbox-kafka-'));
    cleanup.push(() => rm(kafkaDir, { recursive: true, force: true }));
    const broker = await startKafka({ dataDir: kafkaDir });
    cleanup.push(() => broker.stop());
    const pgDir = await mkdtemp(join(tmpdir(), 'wabridge-outbox-pg-'));
    cleanup.push(() => rm(pgDir, { recursive: true, force: true }));
    const postgres: Postgres = await startEmbeddedPostgres({ dataDir: pgDir });
    cleanup.push(() => postgres.stop());
    const databaseUrl = await createDatabase(postgres.url, 'outbox_faults');
    await runMigrations(databaseUrl);

    // Meta, holding its answer until the test lets it go: the outage happens while the send is at Meta
    const wamid = `wamid.HBgLOUTBOX${Date.now()}`;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reached: () => void = () => undefined;
    const atMeta = new Promise<void>((resolve) => (reached = resolve));
    const meta: Server = createServer((request, response) => {
      request.resume();
      reached();
      void released.then(() =>
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ messaging_product: 'whatsapp', contacts: [{ input: '491511234', wa_id: '491511234' }], messages: [{ id: wamid }] })),
      );
    });
    await new Promise<void>((resolve) => meta.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => meta.close(resolve)));

    const stack = await TestStack.start({
      services: ['gateway'],
      infra: { kafkaBrokers: broker.brokers.join(','), databaseUrl },
      env: {
        gateway: {
          GRAPH_API_URL: `http://127.0.0.1:${(meta.address() as AddressInfo).port}`,
          GATEWAY_PUBLISH_TIMEOUT_MS: '1000',
        },
      },
    });
    cleanup.push(() => stack.stop());
    const gateway = stack.url('gateway');
    const channel: ProvisionedChannel = await provisionChannel(gateway, stack.adminToken);
    const unseen: ProvisionedChannel = await provisionChannel(gateway, stack.adminToken);

    const answer = call('POST', `${gateway}/messages`, { headers: partnerKey(channel.apiKey), body: templateSend() });
    await atMeta;
    await broker.stop();
    await postgres.stop();
    release();
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(body.messages[0].id).toBe(wamid);
    expect(await metric(gateway, 'wabridge_gateway_outbound_lost_total')).toBe(1);
    await waitFor(() => stack.logs().includes('outbound event lost'), { timeoutMs: 10_000, what: 'the log line' });
    const line = stack
      .logs()
      .split('\n')
      .find((entry) => entry.includes('outbound event lost'))!;
    expect(JSON.parse(line)).toMatchObject({
      level: 'error',
      wamid,
      channel_id: channel.channelId,
      client_id: channel.clientId,
      type: 'template',
      template: { name: 'order_shipped', language: 'en_US' },
    });
    expect(line).not.toContain('491511234');
    // a key the gateway has not checked yet cannot be checked without PostgreSQL: a retryable 503, not a 500
    const unchecked = await call('GET', `${gateway}/v1/configs/webhook`, { headers: partnerKey(unseen.apiKey) });
    expect(unchecked).toMatchObject({ status: 503, body: { error: 'temporarily unavailable: try again shortly' } });
  }, 180_000);
});
