// Metering's baseline: what Node, kafkajs and pg alone cost per status. A bare kafkajs consumer (three
// partitions at a time, as metering) that parses each record's JSON, takes the status's message id and
// name, and writes each fetched batch with one multi-row INSERT — no validation, no attribution to a
// client, no dedupe, no counts. Started by metering-scenario.ts; it connects, says `ready` on stdout and
// starts consuming when it reads a line on stdin (so its CPU is measured from there).
import { createInterface } from 'node:readline';
import { createKafka } from '@wabridge/kafka';
import { silenceKnownWarnings } from '@wabridge/observability';
import { Pool } from 'pg';

const brokers = (process.env.BASELINE_KAFKA_BROKERS ?? '').split(',');
const topic = process.env.BASELINE_TOPIC ?? '';
const groupId = process.env.BASELINE_GROUP ?? '';
const table = process.env.BASELINE_TABLE ?? '';

interface StatusWebhook {
  entry?: { changes?: { value?: { statuses?: { id?: string; status?: string }[] } }[] }[];
}

async function main(): Promise<void> {
  silenceKnownWarnings();
  // one connection per partition consumed at a time
  const db = new Pool({ connectionString: process.env.BASELINE_DATABASE_URL, application_name: 'wabridge-bench-metering-baseline', max: 3 });
  const kafka = createKafka({ clientId: 'wabridge-bench-metering-baseline', brokers });
  // metering's fetch settings (ConsumerRunner's defaults in libs/kafka)
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      const wamids: string[] = [];
      const statuses: string[] = [];
      for (const message of batch.messages) {
        const status = (JSON.parse(message.value?.toString() ?? '{}') as StatusWebhook).entry?.[0]?.changes?.[0]?.value?.statuses?.[0];
        wamids.push(status?.id ?? '');
        statuses.push(status?.status ?? '');
      }
      await db.query(`INSERT INTO ${table} (wamid, status) SELECT * FROM unnest($1::text[], $2::text[])`, [wamids, statuses]);
    },
  });
  process.once('SIGTERM', () => {
    void consumer
      .disconnect()
      .then(() => db.end())
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`metering baseline failed: ${String(error)}\n`);
  process.exit(1);
});
