// Kafka as the distributed system it is: the whole stack on a three-node KRaft cluster (the same Maven jars;
// replication factor 3, min.insync.replicas=2). Under steady load the leader of the webhooks topic is SIGKILLed:
// ingress answers only 200 or 503 (a 200 only once the record is on two replicas), the router keeps delivering,
// every webhook answered 200 reaches the partner, and metering counts every accepted template send exactly once.
import { topicNames } from '@wabridge/contracts';
import { createKafka } from '@wabridge/kafka';
import { startKafkaCluster, type KafkaCluster } from '@wabridge/local-infra';
import { TestStack, waitFor, type PartnerServer } from '@wabridge/testing';
import { boundChannels, explainLost, report, settle, settleMetering, SteadyLoad } from './chaos-kit';

const say = (message: string) => process.stderr.write(`[kafka-cluster] ${message}\n`);

describe('three-node Kafka cluster: the webhooks leader SIGKILLed under load', () => {
  let cluster: KafkaCluster | undefined;
  let stack: TestStack | undefined;
  let partner: PartnerServer | undefined;

  afterAll(async () => {
    await stack?.stop();
    await partner?.close();
    await cluster?.stop();
  });

  it('loses nothing acknowledged, answers only 200 or 503, keeps delivering, meters exactly', async () => {
    cluster = await startKafkaCluster({ log: say });
    stack = await TestStack.start({
      services: ['ingress', 'gateway', 'router', 'metering', 'wa-sim'],
      infra: { kafkaBrokers: cluster.brokers.join(',') },
      // one partition: the webhooks topic has exactly one leader, and killing it stops every webhook's writes
      partitions: 1,
      env: {
        'wa-sim': { WA_SIM_AUTO_STATUSES: 'false' },
        // a send waits for Kafka through a leader fail-over (a few seconds) rather than giving up after 3 s
        gateway: { GATEWAY_PUBLISH_TIMEOUT_MS: '20000' },
      },
    });
    const topics = topicNames(stack.prefix);

    const admin = createKafka({ brokers: cluster.brokers, clientId: 'cluster-test' }).admin();
    await admin.connect();
    let leader: number;
    try {
      const [webhooks] = (await admin.fetchTopicMetadata({ topics: [topics.webhooks] })).topics;
      expect(webhooks.partitions).toHaveLength(1);
      expect(webhooks.partitions[0].replicas).toHaveLength(3);
      expect(webhooks.partitions[0].isr).toHaveLength(3);
      leader = webhooks.partitions[0].leader;
      const configs = await admin.describeConfigs({
        resources: [{ type: 2, name: topics.webhooks, configNames: ['min.insync.replicas', 'retention.ms'] }],
        includeSynonyms: false,
      });
      const config = (name: string) => configs.resources[0].configEntries.find((entry) => entry.configName === name)?.configValue;
      expect(config('min.insync.replicas')).toBe('2');
      expect(config('retention.ms')).toBe(String(8 * 24 * 3600 * 1000)); // outlives the 7-day retry window
    } finally {
      await admin.disconnect();
    }

    const bound = await boundChannels(stack, 3);
    partner = bound.partner;
    const load = new SteadyLoad(stack, bound.channels, { webhooksPerSecond: 40, templateEvery: 10 });
    load.start();
    await waitFor(() => load.accepted().length >= 150, { timeoutMs: 30_000, what: 'the load to be under way' });

    const victim = cluster.nodes.find((node) => node.id === leader);
    if (!victim) throw new Error(`no node ${leader}`);
    say(`SIGKILL node ${leader} (pid ${victim.pid()}), the leader of ${topics.webhooks}`);
    const killedAt = Date.now();
    const deliveredBeforeKill = partner.received.length;
    await victim.kill();
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    await load.stop();

    const outcome = await settle(load, partner, 60_000);
    const metered = await settleMetering(stack, bound.channels, load.acceptedSends(), 30_000);
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
    say(report('leader killed', summary));
    if (outcome.lost.length > 0) say(await explainLost(stack, { brokers: cluster.brokers.join(',') }, outcome.lost));

    // only 200 (on two replicas) or 503 (Meta retries): never a refused or hung request
    expect(Object.keys(summary.answers).filter((answer) => answer !== '200' && answer !== '503')).toEqual([]);
    expect(summary.accepted).toBeGreaterThan(summary.webhooks * 0.5);
    expect(outcome.lost).toEqual([]);
    // the router kept delivering after the kill, on the surviving nodes
    expect(partner.received.slice(deliveredBeforeKill).some((request) => request.at > killedAt + 5000)).toBe(true);
    expect(load.sends.every((send) => send.answer === 200)).toBe(true);
    expect(metered).toBe(summary.acceptedSends);
  }, 300_000);
});
