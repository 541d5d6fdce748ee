// The router's baseline: what Node, kafkajs and undici alone cost per delivery. A bare kafkajs consumer
// that POSTs each record's bytes to the partner over keep-alive connections (undici, as many per
// partner as the router uses: ROUTER_MAX_CONCURRENCY / 4 = 16) and nothing else — no binding lookup,
// no signature, no outcome record, no retry. Started by router-drain-scenario.ts; it connects, says
// `ready` on stdout and starts consuming when it reads a line on stdin (so its CPU is measured from there).
import { createInterface } from 'node:readline';
import { WebhookHeaders } from '@wabridge/contracts';
import { silenceKnownWarnings } from '@wabridge/observability';
import { createKafka } from '@wabridge/kafka';
import { Agent, request } from 'undici';

const brokers = (process.env.BASELINE_KAFKA_BROKERS ?? '').split(',');
const topic = process.env.BASELINE_TOPIC ?? '';
const partnerUrl = process.env.BASELINE_PARTNER_URL ?? '';
const partitions = Number(process.env.BASELINE_PARTITIONS ?? 6);

async function main(): Promise<void> {
  silenceKnownWarnings();
  const kafka = createKafka({ clientId: 'wabridge-bench-router-baseline', brokers });
  // the router's fetch size per partition (lane.consumer.ts)
  const consumer = kafka.consumer({ groupId: `${topic}.router-baseline`, maxBytesPerPartition: 256 * 1024 });
  const agent = new Agent({ connections: 16, keepAliveTimeout: 60_000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
  await consumer.run({
    partitionsConsumedConcurrently: partitions,
    eachBatch: async ({ batch }) => {
      await Promise.all(
        batch.messages.map(async (message) => {
          const response = await request(partnerUrl, {
            method: 'POST',
            dispatcher: agent,
            headers: { 'content-type': 'application/json', 'webhook-id': message.headers?.[WebhookHeaders.eventId]?.toString() ?? message.offset },
            body: message.value ?? '',
          });
          await response.body.dump();
        }),
      );
    },
  });
  process.once('SIGTERM', () => {
    void consumer
      .disconnect()
      .then(() => agent.close())
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`router baseline failed: ${String(error)}\n`);
  process.exit(1);
});
