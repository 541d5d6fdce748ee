// Chaos under load, whole stack: steady webhooks and template sends while ingress, router, metering and gateway are
// each SIGKILLed and started again, then the Kafka broker and then PostgreSQL are restarted. Every webhook answered
// 200 must reach the bound partner, metering must count every accepted send exactly once, and the test prints how
// many webhooks were sent, lost, delivered more than once and answered other than 200.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, freePort, startEmbeddedPostgres, startKafka, type KafkaBroker, type Postgres, type ServiceName } from '@wabridge/local-infra';
import { runMigrations } from '@wabridge/persistence';
import { TestStack, waitFor, type PartnerServer } from '@wabridge/testing';
import { boundChannels, countedTemplateWamids, explainLost, report, sendsMetaAccepted, settle, settleMetering, SteadyLoad } from './chaos-kit';

const say = (message: string) => process.stderr.write(`[chaos] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('chaos under load: every service killed, the broker and PostgreSQL restarted', () => {
  const cleanup: (() => Promise<unknown>)[] = [];

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('delivers every webhook answered 200 and meters every accepted send exactly once', async () => {
    // a broker and a database of its own, on fixed ports and data dirs, so both can be restarted
    const kafkaDir = await mkdtemp(join(tmpdir(), 'wabridge-chaos-kafka-'));
    const pgDir = await mkdtemp(join(tmpdir(), 'wabridge-chaos-pg-'));
    cleanup.push(
      () => rm(kafkaDir, { recursive: true, force: true }),
      () => rm(pgDir, { recursive: true, force: true }),
    );
    const [kafkaPort, pgPort] = [await freePort(), await freePort()];
    let broker: KafkaBroker = await startKafka({ dataDir: kafkaDir, port: kafkaPort });
    cleanup.push(() => broker.stop());
    let postgres: Postgres = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
    cleanup.push(() => postgres.stop());
    const databaseUrl = await createDatabase(postgres.url, 'wabridge_chaos');
    await runMigrations(databaseUrl);

    const stack = await TestStack.start({
      services: ['ingress', 'gateway', 'router', 'metering', 'wa-sim'],
      infra: { kafkaBrokers: broker.brokers.join(','), databaseUrl },
      env: { 'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' } },
    });
    cleanup.push(() => stack.stop());
    const bound = await boundChannels(stack, 4);
    const partner: PartnerServer = bound.partner;
    cleanup.push(() => partner.close());

    const load = new SteadyLoad(stack, bound.channels, { webhooksPerSecond: 30, templateEvery: 10 });
    const started = Date.now();
    load.start();
    const acceptedSoFar = () => load.accepted().length;
    /** the flow goes on: `count` more webhooks answered 200 */
    const flowing = async (count: number, what: string) => {
      const target = acceptedSoFar() + count;
      await waitFor(() => acceptedSoFar() >= target, { timeoutMs: 60_000, intervalMs: 100, what: `${count} webhooks accepted ${what}` });
    };
    await flowing(100, 'before the first fault');

    for (const name of ['ingress', 'router', 'metering', 'gateway'] as ServiceName[]) {
      say(`SIGKILL ${name} at ${((Date.now() - started) / 1000).toFixed(0)} s`);
      await stack.service(name).kill();
      await sleep(1500);
      await stack.service(name).start(90_000);
      await flowing(60, `after ${name} came back`);
    }

    // The broker, under webhooks and sends alike: a send the gateway accepts while Kafka is down waits in the
    // outbound outbox (docs/security.md) and is published, and metered, once Kafka is back.
    say(`broker restart at ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await broker.stop();
    await sleep(3000);
    broker = await startKafka({ dataDir: kafkaDir, port: kafkaPort });
    await flowing(60, 'after the broker came back');
    await sleep(2000);

    say(`PostgreSQL restart at ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await postgres.stop();
    await sleep(3000);
    postgres = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
    await flowing(60, 'after PostgreSQL came back');
    await sleep(3000);
    await load.stop();
    say(`load stopped at ${((Date.now() - started) / 1000).toFixed(0)} s`);

    const outcome = await settle(load, partner, 90_000);
    const metered = await settleMetering(stack, bound.channels, load.acceptedSends(), 60_000);
    const summary = {
      webhooks: load.webhooks.size,
      accepted: load.accepted().length,
      lost: outcome.lost.length,
      repeated: outcome.repeated,
      answers: load.answers(),
      sends: load.sends.length,
      acceptedSends: load.acceptedSends(),
      metered,
    };
    const counted = await countedTemplateWamids(databaseUrl);
    const metaAccepted = await sendsMetaAccepted(stack, bound.channels);
    say(report('whole-stack chaos', summary));
    if (outcome.lost.length > 0) say(await explainLost(stack, { brokers: broker.brokers.join(','), databaseUrl }, outcome.lost));
    say(`template sends Meta accepted ${metaAccepted}, wamids metering counted ${counted.size}`);

    expect(outcome.lost).toEqual([]);
    // Meta retries anything but a 200: a refused connection (ingress down), a 503 (Kafka down) or a timeout
    expect(Object.keys(summary.answers).filter((answer) => !['200', '503', 'refused', 'timeout'].includes(answer))).toEqual([]);
    expect(summary.acceptedSends).toBeGreaterThan(0);
    // exact: every send the partner got a 200 for is counted, once (one row per wamid, and the usage API agrees)
    const acceptedWamids = load.sends.filter((send) => send.answer === 200).map((send) => send.wamid);
    expect(acceptedWamids.filter((wamid) => !wamid || !counted.has(wamid))).toEqual([]);
    expect(metered).toBe(counted.size);
    // and nothing Meta did not accept: a send can count without a 200 only if the gateway was killed between Meta's
    // answer and its own
    expect(counted.size).toBeLessThanOrEqual(metaAccepted);
  }, 420_000);
});
